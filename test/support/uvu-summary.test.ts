import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {readUvuResults, verdict} from './uvu-summary';

const FIXTURES = join(__dirname, 'uvu-fixtures');

/** The test process of `npm test`, on fixture suites: its exit code, results (fd 3) and text. */
function runSuites(pattern: string) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'uvu-suites.ts'), FIXTURES, pattern],
    {
      encoding: 'utf8',
      env: {...process.env, FORCE_COLOR: '0'},
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      timeout: 60_000,
    },
  );
  return {
    code: run.status ?? 1,
    results: readUvuResults(String(run.output[3] ?? '')),
    stdout: run.stdout,
  };
}

test("each suite's counts come from uvu's runner: failures, skips and passes apart", () => {
  const run = runSuites('^(failing|passing)\\.fixture\\.ts$');
  assert.is(run.code, 1);
  assert.equal(run.results, {
    done: true,
    suites: [
      {file: 'failing.fixture.ts', total: 3, passed: 1, skipped: 2, failed: 2},
      {file: 'passing.fixture.ts', total: 2, passed: 2, skipped: 0, failed: 0},
    ],
  });
  // uvu's closing block says Total 5, Passed 3, Skipped 2: two failures, not one.
  assert.match(run.stdout, /Total:\s+5\s+Passed:\s+3\s+Skipped:\s+2/);
  assert.equal(verdict(run.results, run.code), {
    passed: 3,
    failed: 2,
    ok: false,
  });
});

test('a green run passes', () => {
  const run = runSuites('^passing\\.fixture\\.ts$');
  assert.is(run.code, 0);
  assert.equal(verdict(run.results, run.code), {
    passed: 2,
    failed: 0,
    ok: true,
  });
});

test('a process that dies mid-run counts the suites that finished, plus one failure', () => {
  const run = runSuites('^(passing|z-crashing)\\.fixture\\.ts$');
  assert.is(run.code, 3);
  assert.equal(run.results, {
    done: false,
    suites: [
      {file: 'passing.fixture.ts', total: 2, passed: 2, skipped: 0, failed: 0},
    ],
  });
  assert.equal(verdict(run.results, run.code), {
    passed: 2,
    failed: 1,
    ok: false,
  });
});

test('a run that executed no test fails; a non-zero exit is at least one failure', () => {
  const none = runSuites('^nothing-matches$');
  assert.equal(none.results, {done: true, suites: []});
  assert.equal(verdict(none.results, none.code), {
    passed: 0,
    failed: 0,
    ok: false,
  });
  const passed = {
    done: true,
    suites: [{file: 'a', total: 2, passed: 2, skipped: 0, failed: 0}],
  };
  assert.equal(verdict(passed, 1), {passed: 2, failed: 1, ok: false});
});

test.run();
