import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {SilenceBeat} from './silence-beat';

function beat() {
  let now = 0;
  const written: string[] = [];
  const it = new SilenceBeat(
    text => written.push(text),
    () => now,
    15_000,
  );
  return {it, written, advance: (ms: number) => void (now += ms)};
}

test('a line names the running file once 15 s pass without a new line', () => {
  const {it, written, advance} = beat();
  it.saw('\u001b[1mflex-template/portable-runner.test.ts\u001b[22m\n');
  advance(14_000);
  it.tick();
  assert.equal(written, []);
  advance(1_000);
  it.tick();
  assert.equal(written, [
    '   tests: still running flex-template/portable-runner.test.ts (15 s in it)\n',
  ]);
  advance(15_000);
  it.tick();
  assert.is(
    written[1],
    '   tests: still running flex-template/portable-runner.test.ts (30 s in it)\n',
  );
});

test('dots without a newline are not a line: the beat starts on a line of its own', () => {
  const {it, written, advance} = beat();
  it.saw('core/a.test.ts\n');
  it.saw('• • ');
  advance(16_000);
  it.tick();
  assert.equal(written, [
    '\n   tests: still running core/a.test.ts (16 s in it)\n',
  ]);
});

test('output lines keep it quiet, and a new file restarts its clock', () => {
  const {it, written, advance} = beat();
  it.saw('core/a.test.ts\n');
  advance(10_000);
  it.saw('• •   (2 / 2)\n\ncore/b.test.ts\n');
  advance(10_000);
  it.tick();
  assert.equal(written, []);
  advance(6_000);
  it.tick();
  assert.equal(written, [
    '   tests: still running core/b.test.ts (16 s in it)\n',
  ]);
});

test.run();
