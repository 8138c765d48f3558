import {parseFlags, UsageError} from '../../core/command-line';

/** What `npm start` was asked for, parsed once from its flags. */
export interface StartOptions {
  days: number;
  perHour: number;
  /** direct: Beam's in-process runner; portable: Python's job service with Node workers. */
  runner: 'direct' | 'portable';
  json: boolean;
  chaos: boolean;
  /** Hours backfilled into the summarized days (the `late` phases); 0: none. */
  late: number;
  /** Where report.html goes. */
  reportPath: string | undefined;
  help: boolean;
}

export const START_USAGE = `Usage: npm start [-- --days N] [--per-hour N] [--runner=direct|portable] [--json] [--chaos] [--late N] [--report PATH]

Runs the whole pipeline on this machine: the local cloud, every function served from its bundle,
N simulated days of hourly generation (ending with the last day the replication watermark can
pass), the daily summary job, the flex template; then reconciles the four stores day by day.

  --days N          days to simulate (default 3, 1..31)
  --per-hour N      transactions per hour (default 1000, 1..10000)
  --runner R        flex template runner: direct (default) or portable (Python's job service)
  --json            the report as JSON on stdout (progress and logs go to stderr)
  --chaos           inject faults: kill function processes, redeliver and delay pushes, restart MariaDB
  --late N          after the days are summarized, backfill N hours into them (new batches, spread
                    over the days), then replicate, publish, rerun the daily job (it restates the
                    changed days) and the flex template (it reloads them); default 0, 0..24
  --report PATH     where report.html goes (default .local/start/report.html)
  --help            print this text
`;

function integer(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(
      `--${name} must be an integer in ${min}..${max}, got "${value}"`,
    );
  return Number(value);
}

export function parseStartOptions(argv: readonly string[]): StartOptions {
  const {help, values} = parseFlags(argv, {
    days: {type: 'string'},
    'per-hour': {type: 'string'},
    runner: {type: 'string'},
    json: {type: 'boolean', default: false},
    chaos: {type: 'boolean', default: false},
    late: {type: 'string'},
    report: {type: 'string'},
  });
  const runner = values.runner ?? 'direct';
  if (runner !== 'direct' && runner !== 'portable')
    throw new UsageError(
      `--runner must be direct or portable, got "${runner}"`,
    );
  return {
    days: integer('days', values.days, 3, 1, 31),
    perHour: integer('per-hour', values['per-hour'], 1000, 1, 10_000),
    runner,
    json: values.json ?? false,
    chaos: values.chaos ?? false,
    late: integer('late', values.late, 0, 0, 24),
    reportPath: values.report,
    help,
  };
}
