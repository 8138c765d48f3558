/**
 * Every process of the flex template starts node with FLEX_NODE_FLAGS (node-flags.ts): the
 * launcher shim, the worker image's boot script, `npm run flex-template`, local runs (which use
 * the constant itself); and the flags do what they are there for.
 */
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {FLEX_NODE_FLAGS} from '../../flex-template/node-flags';

const ROOT = path.join(__dirname, '../..');

/** The words of `command` between `node` and the first word that is not a flag of node's. */
function nodeFlagsOf(command: string): string[] {
  const words = command.trim().split(/\s+/);
  const at = words.indexOf('node');
  assert.ok(at >= 0, `no node in ${command}`);
  const flags: string[] = [];
  for (const word of words.slice(at + 1)) {
    if (!word.startsWith('--') || word === '--import') break;
    flags.push(word);
  }
  return flags;
}

test('the launcher shim starts node with the flags of node-flags.json, before the bundle', () => {
  const run = spawnSync(
    'python3',
    [
      '-c',
      'import json, sys; sys.path.insert(0, sys.argv[1]); import main; print(json.dumps(main.node_command(["--input=x"])))',
      path.join(ROOT, 'flex-template/launcher'),
    ],
    {encoding: 'utf8', env: {...process.env, FLEX_APP_DIR: ROOT}},
  );
  assert.is(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout), [
    'node',
    ...FLEX_NODE_FLAGS,
    path.join(ROOT, 'dist/flex-template/index.js'),
    '--input=x',
    '--runner=dataflow',
  ]);
});

test('the worker image boots its SDK workers, and npm run flex-template runs, with the flags', () => {
  const boot = readFileSync(
    path.join(ROOT, 'flex-template/worker/beam-boot'),
    'utf8',
  )
    .split('\n')
    .find(line => /\bexec node\b/.test(line));
  assert.ok(boot, 'beam-boot execs node');
  assert.equal(nodeFlagsOf(boot), [...FLEX_NODE_FLAGS]);
  const scripts = (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  assert.equal(nodeFlagsOf(scripts['flex-template']!), [...FLEX_NODE_FLAGS]);
});

test('with the flags, a young generation that keeps surviving stays within them, and the heap within 1 GB', () => {
  // Objects that keep surviving scavenges: by its own sizing V8 grows new space to 32 MB here.
  const program = `
    const v8 = require('v8');
    const keep = new Array(2000);
    for (let i = 0; i < 3000000; i++) keep[i % 2000] = {i, s: 'x' + i, a: [i, i]};
    const space = v8.getHeapSpaceStatistics().find(s => s.space_name === 'new_space');
    console.log(JSON.stringify([space.space_size, v8.getHeapStatistics().heap_size_limit]));`;
  const heapOf = (flags: readonly string[]) => {
    const run = spawnSync(process.execPath, [...flags, '-e', program], {
      encoding: 'utf8',
    });
    assert.is(run.status, 0, run.stderr);
    const [newSpace, limit] = JSON.parse(run.stdout) as number[];
    return {newSpaceMb: newSpace! / 2 ** 20, limitMb: limit! / 2 ** 20};
  };
  const capped = heapOf(FLEX_NODE_FLAGS);
  const own = heapOf([]);
  assert.ok(
    capped.newSpaceMb <= 8,
    `new space ${capped.newSpaceMb} MB with the flags`,
  );
  assert.ok(
    own.newSpaceMb > capped.newSpaceMb,
    `V8's own sizing (${own.newSpaceMb} MB) is larger than the cap`,
  );
  // The old generation's limit (1 GB) and the young generation's make the heap's.
  assert.ok(
    capped.limitMb > 1024 && capped.limitMb < 1100,
    `heap limit ${capped.limitMb} MB with the flags`,
  );
});

test('with the flags, V8 tenures no allocation site', () => {
  // A site whose objects all survive their scavenges: by its own rules V8 decides, scavenge by
  // scavenge, whether to make its objects straight in the old generation, and
  // --trace-pretenuring-statistics prints each decision.
  const program = `
    const keep = [];
    const make = (i) => ({i, a: [i, i]});
    for (let r = 0; r < 30; r++) {
      for (let i = 0; i < 200000; i++) keep.push(make(i));
      if (keep.length > 1000000) keep.length = 0;
    }`;
  const decisionsOf = (flags: readonly string[]) => {
    const run = spawnSync(
      process.execPath,
      [...flags, '--trace-pretenuring-statistics', '-e', program],
      {encoding: 'utf8'},
    );
    assert.is(run.status, 0, run.stderr);
    return run.stdout.split('\n').filter(line => line.includes('pretenuring:'))
      .length;
  };
  assert.ok(decisionsOf([]) > 0, "V8's own rules decide on the site");
  assert.is(decisionsOf(FLEX_NODE_FLAGS), 0);
});

test.run();
