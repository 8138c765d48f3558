import {parseFlags, UsageError} from '../core/command-line';
import {type Env, readConfig} from '../core/config';
import {type Day, daysSpanned, isDay} from '../core/day';
import {defaultResources} from '../core/resources';
import {
  type DayScope,
  MAX_DAYS_IN_SCOPE,
  type TaskShare,
} from '../core/summary/plan';

/** Everything the daily summary job needs, parsed once from its flags and environment. */
export interface JobConfig {
  /** Undefined: the clients find it themselves (metadata server on Cloud Run, emulators locally). */
  project: string | undefined;
  bigtableInstance: string;
  /** Bigtable client-side metrics, exported to Cloud Monitoring: off unless asked for (see core/bigtable/client). */
  bigtableClientMetrics: boolean;
  /** `gs://bucket/prefix` or a local directory. */
  outputUri: string;
  /** Cloud Storage API endpoint override (fake-gcs-server locally); undefined: Google's. */
  storageApiEndpoint: string | undefined;
  scope: DayScope;
  task: TaskShare;
  dryRun: boolean;
}

export const USAGE = `Usage: daily-summary [--from yyyy-mm-dd --to yyyy-mm-dd] [--dry-run]

Writes Financial_transaction_daily_summary_yyyy-mm-dd.csv to OUTPUT_URI for every complete day
(the replication watermark has passed its end) that has transactions and no summary file yet, and
a new version for a written day that got transactions after its summary (the previous version
stays under superseded/).

  --from DAY, --to DAY   backfill exactly these days (both included) instead of the recent window
  --dry-run              read and summarize, log what would be written, write nothing
  --help                 print this text

Environment:
  OUTPUT_URI               gs://bucket/prefix or a local directory (required)
  BIGTABLE_INSTANCE        Bigtable instance id (default fin-bt)
  GOOGLE_CLOUD_PROJECT     project id (default: detected by the client)
  SUMMARY_LOOKBACK_DAYS    days before today that a run looks at (default 31, 1..3660)
  SUMMARY_FIRST_DAY        first day of data: earlier days are never summarized (optional)
  CLOUD_RUN_TASK_INDEX, CLOUD_RUN_TASK_COUNT   set by Cloud Run Jobs: this task's share of the days
  STORAGE_API_ENDPOINT     Cloud Storage endpoint override (local: fake-gcs-server, with STORAGE_EMULATOR_HOST)
  BIGTABLE_EMULATOR_HOST   local: the Bigtable emulator (read by the client itself)
  BIGTABLE_CLIENT_METRICS  true/false: client-side metrics to Cloud Monitoring (default false; true needs
                           roles/monitoring.metricWriter, and must stay false against the emulator)
  LOG_LEVEL                debug, info (default), warn, error
`;

const DEFAULT_INSTANCE = defaultResources('unused').bigtable.instance;
const DEFAULT_LOOKBACK_DAYS = 31;

export type ParsedCommand = {help: true} | {help: false; config: JobConfig};

function flagDay(name: string, value: string | undefined): Day | undefined {
  if (value === undefined) return undefined;
  if (!isDay(value))
    throw new UsageError(`--${name} must be a day yyyy-mm-dd, got "${value}"`);
  return value;
}

/** Parses flags (UsageError) and environment (ConfigError naming each bad variable). */
export function parseCommand(argv: readonly string[], env: Env): ParsedCommand {
  const {help, values} = parseFlags(argv, {
    from: {type: 'string'},
    to: {type: 'string'},
    'dry-run': {type: 'boolean', default: false},
  });
  if (help) return {help: true};
  const from = flagDay('from', values.from);
  const to = flagDay('to', values.to);
  if ((from === undefined) !== (to === undefined))
    throw new UsageError('--from and --to go together: give both, or neither');
  if (from !== undefined && to !== undefined) {
    if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
    if (daysSpanned(from, to) > MAX_DAYS_IN_SCOPE)
      throw new UsageError(
        `--from ${from} --to ${to} spans more than ${MAX_DAYS_IN_SCOPE} days: split the backfill`,
      );
  }

  const config = readConfig(env, read => {
    const firstDay = read.optionalString('SUMMARY_FIRST_DAY');
    if (firstDay !== undefined && !isDay(firstDay))
      read.problems.push({
        variable: 'SUMMARY_FIRST_DAY',
        problem: `must be a calendar day yyyy-mm-dd, got "${firstDay}"`,
      });
    const lookbackDays = read.integer('SUMMARY_LOOKBACK_DAYS', {
      default: DEFAULT_LOOKBACK_DAYS,
      min: 1,
      max: 3660,
    });
    const count = read.integer('CLOUD_RUN_TASK_COUNT', {
      default: 1,
      min: 1,
      max: 10_000,
    });
    const index = read.integer('CLOUD_RUN_TASK_INDEX', {
      default: 0,
      min: 0,
      max: 9_999,
    });
    if (index >= count)
      read.problems.push({
        variable: 'CLOUD_RUN_TASK_INDEX',
        problem: `must be below CLOUD_RUN_TASK_COUNT (${count}), got ${index}`,
      });
    const scope: DayScope =
      from !== undefined && to !== undefined
        ? {kind: 'range', from, to}
        : {kind: 'recent', lookbackDays, ...(firstDay ? {firstDay} : {})};
    return {
      project: read.optionalString('GOOGLE_CLOUD_PROJECT'),
      bigtableInstance: read.string('BIGTABLE_INSTANCE', {
        default: DEFAULT_INSTANCE,
        pattern: /^[a-z][a-z0-9-]{5,32}$/,
        description: 'a Bigtable instance id',
      }),
      bigtableClientMetrics: read.boolean('BIGTABLE_CLIENT_METRICS', false),
      outputUri: read.string('OUTPUT_URI'),
      storageApiEndpoint: read.optionalString('STORAGE_API_ENDPOINT'),
      scope,
      task: {index, count},
      dryRun: values['dry-run'] ?? false,
    };
  });
  return {help: false, config};
}
