/**
 * The launcher shim (flex-template/launcher/main.py, what Dataflow's Python launcher runs) hands its
 * flags to node running the bundle (dist/flex-template/index.js) unchanged: run here with --runner=direct against the emulator, as a real process.
 * The Dataflow options get the worker image from the launcher image's FLEX_WORKER_IMAGE.
 */
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {dataflowRunnerOptions} from '../../flex-template/main';
import {OptionsError, parseOptions} from '../../flex-template/options';
import {suiteEnv, type SuiteEnv} from '../support/suite-env';
import {readSummaryTable, writeSummaryFiles} from './summary-fixtures';
import {printingErrors} from '../support/hooks';
import {buildFlexBundle} from './flex-bundle';

const ROOT = path.join(__dirname, '../..');
let env: SuiteEnv;
let dir: string;

test.before(
  printingErrors(async () => {
    // The shim runs the bundle, as in the launcher image.
    buildFlexBundle();
    env = await suiteEnv('flex-launcher');
    dir = mkdtempSync(path.join(os.tmpdir(), 'flex-launcher-'));
  }),
);

test.after(async () => {
  await env.close();
  rmSync(dir, {recursive: true, force: true});
});

test('the launcher shim runs the TypeScript pipeline with the flags it was given', () => {
  const dates = writeSummaryFiles(dir, '2025-07-01', 3);
  const r = env.resources;
  const run = (extra: string[]) =>
    spawnSync(
      'python3',
      [
        path.join(ROOT, 'flex-template/launcher/main.py'),
        `--input=${dir}`,
        `--bigtable_project=${r.project}`,
        `--bigtable_instance=${r.bigtable.instance}`,
        '--runner=direct',
        ...extra,
      ],
      {
        env: {
          ...process.env,
          ...env.vars,
          FLEX_APP_DIR: ROOT,
          PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
        },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
  // Names that are not summary files: an impossible date, an upper-case extension, a subfolder.
  writeFileSync(
    path.join(dir, 'Financial_transaction_daily_summary_2025-02-30.csv'),
    'x\n',
  );
  writeFileSync(
    path.join(dir, 'Financial_transaction_daily_summary_2025-07-09.CSV'),
    'x\n',
  );
  mkdirSync(path.join(dir, 'old'));
  writeFileSync(
    path.join(dir, 'old', 'Financial_transaction_daily_summary_2025-07-10.csv'),
    'x\n',
  );
  const ok = run([]);
  assert.is(ok.status, 0, ok.stderr);
  // The template logs JSON lines like every other part (core/log.ts).
  const lines = ok.stdout
    .split('\n')
    .filter(l => l.startsWith('{'))
    .map(l => JSON.parse(l) as Record<string, unknown>);
  const ours = lines.filter(l => l.component === 'flex-template');
  assert.ok(ours.length >= 3, ok.stdout);
  for (const l of ours)
    assert.ok(
      typeof l.severity === 'string' &&
        typeof l.message === 'string' &&
        typeof l.time === 'string',
    );
  const counters = ours.find(l => String(l.message).startsWith('done'))
    ?.counters as Record<string, number>;
  assert.is(counters.files_selected, 3);
  assert.is(counters.dates_written, 3);
  const skipped = ours.find(l => l.skipped !== undefined)!;
  assert.is(skipped.severity, 'WARNING');
  assert.is(skipped.skipped, 3);
  assert.equal(skipped.names, [
    'Financial_transaction_daily_summary_2025-02-30.csv',
    'Financial_transaction_daily_summary_2025-07-09.CSV',
    'old/Financial_transaction_daily_summary_2025-07-10.csv',
  ]);
  const bad = run(['--dates_suffixes=2025-02-30']);
  assert.is(bad.status, 2, 'a bad parameter exits 2');
  const error = JSON.parse(bad.stdout.trim().split('\n').at(-1)!) as Record<
    string,
    unknown
  >;
  assert.is(error.severity, 'ERROR');
  assert.is(error.option, 'dates_suffixes');
  assert.match(
    String(error.message),
    '--dates_suffixes: "2025-02-30" is invalid',
  );
  return readSummaryTable(
    r.project,
    r.bigtable.instance,
    r.bigtable.summaries.id,
  ).then(rows =>
    assert.equal(
      rows.map(x => x.key),
      dates,
    ),
  );
});

const IMAGE = `europe-docker.pkg.dev/p/r/flex-worker@sha256:${'0'.repeat(64)}`;

test('Dataflow options: worker image by digest from FLEX_WORKER_IMAGE or --sdk_container_image, nothing npm-staged, experiments kept', () => {
  const options = parseOptions([
    '--input=gs://bucket-x/s/',
    '--project=my-project',
    '--region=europe-west1',
    '--runner=dataflow',
    '--temp_location=gs://bucket-x/tmp',
  ]);
  assert.equal(dataflowRunnerOptions(options, {FLEX_WORKER_IMAGE: IMAGE}), {
    project: 'my-project',
    region: 'europe-west1',
    tempLocation: 'gs://bucket-x/tmp',
    sdkContainerImage: IMAGE,
    skipNpmStaging: true,
    experiments: ['use_sibling_sdk_workers'],
  });
  const withExperiments = parseOptions([
    ...[
      '--input=gs://bucket-x/s/',
      '--project=my-project',
      '--runner=dataflow',
    ],
    '--experiments=shuffle_mode=service,use_sibling_sdk_workers',
  ]);
  assert.equal(
    dataflowRunnerOptions(withExperiments, {FLEX_WORKER_IMAGE: IMAGE})
      .experiments,
    ['shuffle_mode=service', 'use_sibling_sdk_workers'],
  );
  assert.throws(
    () => dataflowRunnerOptions(options, {}),
    (e: unknown) =>
      e instanceof OptionsError && e.option === 'sdk_container_image',
  );
  assert.throws(
    () =>
      dataflowRunnerOptions(options, {
        FLEX_WORKER_IMAGE: 'europe-docker.pkg.dev/p/r/flex-worker:latest',
      }),
    /not pinned by digest/,
  );
});

test.run();
