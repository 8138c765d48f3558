import {decodeRowKey} from '../core/bigtable/row-key';
import {parseFlags, UsageError} from '../core/command-line';
import {type Env, readConfig} from '../core/config';

/** `npm run changelog`: what to show, parsed once from flags and environment. */
export interface ChangelogOptions {
  archiveUri: string;
  project: string | undefined;
  storageApiEndpoint: string | undefined;
  rowKey: string | undefined;
  from: Date;
  to: Date;
  json: boolean;
}

export const USAGE = `Usage: npm run changelog -- --row KEY [--from T] [--to T] [--json]
       npm run changelog -- --from T --to T [--json]

Prints changes of txn_tbl from the change-log archive (never from Bigtable), oldest first, each
record once however often it was delivered.

  --row KEY      one row's history: each cell set or deleted, when, and its value. Without --from,
                 from the start of the day in a txn_tbl key (no change precedes its transaction)
  --from T       first commit time, an ISO instant (2026-11-26T13:00:00Z) or a day (its start)
  --to T         last commit time, an ISO instant or a day (its end); default now
  --archive URI  the archive (gs://bucket/changelog/ or a directory); default CHANGELOG_URI
  --json         one JSON object a line instead of text
  --help         print this text

Environment:
  CHANGELOG_URI          the archive, unless --archive is given
  GOOGLE_CLOUD_PROJECT   project id (default: detected by the client)
  STORAGE_API_ENDPOINT   Cloud Storage endpoint override (local: fake-gcs-server)
`;

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}(:\d{2}(:\d{2}(\.\d{1,3})?)?)?Z$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

function parseTime(flag: string, value: string, end: boolean): Date {
  let date: Date;
  if (DAY.test(value)) date = new Date(`${value}T00:00:00Z`);
  else if (INSTANT.test(value))
    date = new Date(
      value.length === 14 ? `${value.slice(0, 13)}:00:00Z` : value,
    );
  else
    throw new UsageError(
      `--${flag} must be an ISO instant like 2026-11-26T13:00:00Z or a day yyyy-mm-dd, got "${value}"`,
    );
  if (
    Number.isNaN(date.getTime()) ||
    (DAY.test(value) && date.toISOString().slice(0, 10) !== value)
  )
    throw new UsageError(`--${flag} "${value}" is not a real time`);
  return DAY.test(value) && end ? new Date(date.getTime() + DAY_MS - 1) : date;
}

export type ParsedCommand =
  {help: true} | {help: false; options: ChangelogOptions};

export function parseChangelogCommand(
  argv: readonly string[],
  env: Env,
  now = new Date(),
): ParsedCommand {
  const {help, values} = parseFlags(argv, {
    row: {type: 'string'},
    from: {type: 'string'},
    to: {type: 'string'},
    archive: {type: 'string'},
    json: {type: 'boolean', default: false},
  });
  if (help) return {help: true};
  if (values.row === '') throw new UsageError('--row needs a row key');
  if (values.row === undefined && values.from === undefined)
    throw new UsageError('give --row KEY, or --from T (and --to T) for a span');

  let from: Date;
  if (values.from !== undefined) from = parseTime('from', values.from, false);
  else {
    try {
      from = new Date(`${decodeRowKey(values.row!).day}T00:00:00Z`);
    } catch {
      throw new UsageError(
        `"${values.row}" is not a txn_tbl row key, so its first day is unknown: give --from too`,
      );
    }
  }
  const to = values.to === undefined ? now : parseTime('to', values.to, true);
  if (from > to)
    throw new UsageError(
      `--from ${from.toISOString()} is after --to ${to.toISOString()}`,
    );

  const options = readConfig(env, read => ({
    archiveUri: values.archive ?? read.string('CHANGELOG_URI'),
    project: read.optionalString('GOOGLE_CLOUD_PROJECT'),
    storageApiEndpoint: read.optionalString('STORAGE_API_ENDPOINT'),
    rowKey: values.row,
    from,
    to,
    json: values.json ?? false,
  }));
  return {help: false, options};
}
