/**
 * dist/flex-template as built and shipped: `node dist/flex-template/index.js` on a tiny input,
 * against the emulator, with nothing of the source tree on the way (no tsx). Before the I/O
 * thread and its service had entries of their own, the bundle started a thread on a file it did
 * not contain and every run waited out the 300 s call timeout.
 */
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {suiteEnv, type SuiteEnv} from '../support/suite-env';
import {printingErrors} from '../support/hooks';
import {FLEX_BUNDLE, buildFlexBundle} from './flex-bundle';
import {FLEX_NODE_FLAGS} from '../../flex-template/node-flags';
import {
  readSummaryTable,
  summaryRowsFor,
  writeSummaryFiles,
} from './summary-fixtures';
import {summaryFileName} from '../../core/summary-csv';

let env: SuiteEnv;
let dir: string;

test.before(
  printingErrors(async () => {
    buildFlexBundle();
    env = await suiteEnv('flex-bundle');
    dir = mkdtempSync(path.join(os.tmpdir(), 'flex-bundle-'));
  }),
);

test.after(async () => {
  await env.close();
  rmSync(dir, {recursive: true, force: true});
});

const runBundle = (input: string, flags = FLEX_NODE_FLAGS) => {
  const r = env.resources;
  return spawnSync(
    process.execPath,
    [
      ...flags,
      FLEX_BUNDLE,
      `--input=${input}`,
      `--bigtable_project=${r.project}`,
      `--bigtable_instance=${r.bigtable.instance}`,
      '--dates_suffixes=auto',
    ],
    // Not the repository: the bundle finds its own files beside it.
    {
      cwd: os.tmpdir(),
      env: {...process.env, ...env.vars},
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
};

const doneCounters = (stdout: string) =>
  stdout
    .split('\n')
    .filter(l => l.startsWith('{'))
    .map(
      l =>
        JSON.parse(l) as {message?: string; counters?: Record<string, number>},
    )
    .find(l => l.message?.startsWith('done'))?.counters;

test('the thread and its service are bundle entries of their own, the service with its code cache; the Dataflow job service is beside them', () => {
  for (const file of [
    'index.js',
    'blocking-service-thread.js',
    'io-service.js',
    'io-service.js.v8cache',
    'launcher/dataflow_job_service.py',
  ]) {
    assert.ok(
      existsSync(path.join(path.dirname(FLEX_BUNDLE), file)),
      `dist/flex-template/${file}`,
    );
  }
});

test('the built bundle loads a tiny input, a rerun loads nothing new, and a rejected file fails the run', async () => {
  const dates = writeSummaryFiles(dir, '2025-03-01', 3);
  const first = runBundle(dir);
  assert.is(first.status, 0, first.stderr + first.stdout);
  const rows = dates.reduce((n, day) => n + summaryRowsFor(day).length, 0);
  assert.equal(doneCounters(first.stdout), {
    files_selected: 3,
    rows_valid: rows,
    rows_rejected: 0,
    dates_written: 3,
  });
  const r = env.resources;
  assert.equal(
    (
      await readSummaryTable(
        r.project,
        r.bigtable.instance,
        r.bigtable.summaries.id,
      )
    ).map(row => row.key),
    dates,
  );

  // Run as deployed (node-flags.json's flags), the I/O thread's code cache is used; under other
  // V8 flags it is rejected, and the log says so.
  const CACHE_REJECTED = /compiled from source: its code cache/;
  assert.not.match(first.stdout + first.stderr, CACHE_REJECTED);
  const again = runBundle(dir, []);
  assert.is(again.status, 0, again.stderr + again.stdout);
  assert.is(doneCounters(again.stdout)?.files_selected, 0);
  assert.match(again.stdout + again.stderr, CACHE_REJECTED);

  writeFileSync(
    path.join(dir, summaryFileName('2025-03-04')),
    'not,a,summary\n',
  );
  const bad = runBundle(dir);
  assert.is(bad.status, 1, bad.stdout);
  assert.match(bad.stdout, summaryFileName('2025-03-04'));
  assert.equal(
    (
      await readSummaryTable(
        r.project,
        r.bigtable.instance,
        r.bigtable.summaries.id,
      )
    ).map(row => row.key),
    dates,
  );
});

test.run();
