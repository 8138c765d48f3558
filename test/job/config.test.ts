import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {ConfigError} from '../../core/config';
import {UsageError} from '../../core/command-line';
import {parseCommand} from '../../job/config';

const ENV = {OUTPUT_URI: 'gs://bucket/daily'};

function config(argv: string[], env: Record<string, string> = ENV) {
  const parsed = parseCommand(argv, env);
  if (parsed.help) throw new Error('expected a config');
  return parsed.config;
}

test('defaults: the recent window of 31 days, one task, the default instance', () => {
  assert.equal(config([]), {
    project: undefined,
    bigtableInstance: 'fin-bt',
    bigtableClientMetrics: false,
    outputUri: 'gs://bucket/daily',
    storageApiEndpoint: undefined,
    scope: {kind: 'recent', lookbackDays: 31},
    task: {index: 0, count: 1},
    dryRun: false,
  });
});

test('flags: a backfill range and a dry run', () => {
  const c = config(['--from', '2026-01-01', '--to=2026-01-31', '--dry-run']);
  assert.equal(c.scope, {kind: 'range', from: '2026-01-01', to: '2026-01-31'});
  assert.is(c.dryRun, true);
});

test('environment: lookback, first day, Cloud Run task share, project and instance', () => {
  const c = config([], {
    ...ENV,
    SUMMARY_LOOKBACK_DAYS: '5',
    SUMMARY_FIRST_DAY: '2026-11-01',
    CLOUD_RUN_TASK_INDEX: '2',
    CLOUD_RUN_TASK_COUNT: '3',
    GOOGLE_CLOUD_PROJECT: 'my-project',
    BIGTABLE_INSTANCE: 'other-bt',
  });
  assert.equal(c.scope, {
    kind: 'recent',
    lookbackDays: 5,
    firstDay: '2026-11-01',
  });
  assert.equal(c.task, {index: 2, count: 3});
  assert.is(c.project, 'my-project');
  assert.is(c.bigtableInstance, 'other-bt');
});

test('Bigtable client metrics are off unless asked for', () => {
  assert.is(config([], ENV).bigtableClientMetrics, false);
  assert.is(
    config([], {...ENV, BIGTABLE_CLIENT_METRICS: 'true'}).bigtableClientMetrics,
    true,
  );
  assert.throws(
    () => config([], {...ENV, BIGTABLE_CLIENT_METRICS: 'yes'}),
    /BIGTABLE_CLIENT_METRICS must be one of true, false/,
  );
});

test('--help needs no environment', () => {
  assert.equal(parseCommand(['--help'], {}), {help: true});
});

const usage = (argv: string[], pattern: RegExp) =>
  assert.throws(
    () => parseCommand(argv, ENV),
    (e: unknown) => e instanceof UsageError && pattern.test(e.message),
  );

test('bad flags are usage errors that name the flag', () => {
  usage(['--from', '2026-01-01'], /--from and --to go together/);
  usage(
    ['--from', '2026-02-30', '--to', '2026-03-01'],
    /--from must be a day yyyy-mm-dd, got "2026-02-30"/,
  );
  usage(
    ['--from', '2026-03-02', '--to', '2026-03-01'],
    /--from 2026-03-02 is after --to 2026-03-01/,
  );
  usage(
    ['--from', '2000-01-01', '--to', '2026-01-01'],
    /spans more than 3660 days: split the backfill/,
  );
  usage(['--days', '3'], /--days/);
  usage(['yesterday'], /yesterday/);
});

test('every bad variable is named at once', () => {
  let error: unknown;
  try {
    parseCommand([], {
      SUMMARY_LOOKBACK_DAYS: '0',
      SUMMARY_FIRST_DAY: '2026-13-01',
      CLOUD_RUN_TASK_INDEX: '3',
      CLOUD_RUN_TASK_COUNT: '3',
      BIGTABLE_INSTANCE: 'X',
    });
  } catch (e) {
    error = e;
  }
  assert.instance(error, ConfigError);
  const variables = (error as ConfigError).problems.map(p => p.variable).sort();
  assert.equal(variables, [
    'BIGTABLE_INSTANCE',
    'CLOUD_RUN_TASK_INDEX',
    'OUTPUT_URI',
    'SUMMARY_FIRST_DAY',
    'SUMMARY_LOOKBACK_DAYS',
  ]);
});

test.run();
