/**
 * patches/serialize-closures+0.2.9.patch: loading Beam (which loads serialize-closures) on Node 22
 * prints no deprecation warning, so a green test run reads clean.
 */
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(__dirname, '..', '..');

test('loading apache-beam and its direct runner warns of nothing', () => {
  const run = spawnSync(
    process.execPath,
    [
      '-e',
      "require('apache-beam'); require('apache-beam/runners/direct_runner'); console.log('loaded')",
    ],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout.trim(), 'loaded');
  assert.not.match(
    run.stderr,
    'DEP0054',
    'serialize-closures calls util.isPrimitive: run `npx patch-package` (npm ci does)',
  );
  assert.is(run.stderr, '');
});

test.run();
