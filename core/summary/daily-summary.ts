import type {Table} from '@google-cloud/bigtable';
import type {Day} from '../day';
import {readDayChanges, recordDaySummarized} from '../bigtable/day-changes';
import type {Logger} from '../log';
import {formatMinor} from '../money';
import type {StateTableSchema, TxnTableSchema} from '../resources';
import type {ObjectStore} from '../storage/object-store';
import {
  dayOfSummaryFile,
  decodeSummaryCsv,
  encodeSummaryCsv,
  SUMMARY_FILE_PREFIX,
  type SummaryRow,
  summaryFileName,
  supersededFileName,
} from '../summary-csv';
import {readWatermark} from '../bigtable/pipeline-state';
import {
  type DayPlan,
  type DayScope,
  daysInScope,
  isTasksDay,
  planDays,
  type TaskShare,
} from './plan';
import {type MalformedRows, summarizeDay} from './read-day';

export interface DailySummaryDeps {
  txnTable: Table;
  txnSchema: TxnTableSchema;
  stateTable: Table;
  stateSchema: StateTableSchema;
  /** Where the CSVs go: summary files sit at its root. */
  store: ObjectStore;
  log: Logger;
  now?: () => Date;
}

export interface DailySummaryOptions {
  scope: DayScope;
  task?: TaskShare;
  /** Read and summarize, but write nothing. */
  dryRun?: boolean;
}

export type DayOutcome =
  | {
      day: Day;
      status: 'written';
      file: string;
      rowsRead: number;
      transactions: number;
    }
  /** Another run wrote the file between our listing and our write: its file stays. */
  | {
      day: Day;
      status: 'written-by-another-run';
      file: string;
      rowsRead: number;
      transactions: number;
    }
  | {
      day: Day;
      status: 'dry-run';
      file: string;
      rowsRead: number;
      transactions: number;
      csv: string;
    }
  /** A new version replaced the day's file; the previous one stays readable under `superseded`. */
  | {
      day: Day;
      status: 'restated';
      file: string;
      superseded: string;
      rowsRead: number;
      transactions: number;
      oldTotals: Totals;
      newTotals: Totals;
    }
  /** Another run restated the day between our read and our write: its version stays. */
  | {
      day: Day;
      status: 'restated-by-another-run';
      file: string;
      rowsRead: number;
      transactions: number;
    }
  /** Read again after a change, the totals were the same: the file was not rewritten. */
  | {
      day: Day;
      status: 'unchanged';
      file: string;
      rowsRead: number;
      transactions: number;
    }
  /** Held back: a summary without its malformed rows would be silently short. */
  | {
      day: Day;
      status: 'malformed-rows';
      rowsRead: number;
      malformed: MalformedRows;
    }
  | {day: Day; status: 'failed'; error: Error};

export interface DailySummaryReport {
  watermark: Date | undefined;
  plan: DayPlan;
  outcomes: DayOutcome[];
  /** True when every day this run tried was written (by it or by a concurrent run) or dry-run. */
  ok: boolean;
}

/** The days that already have a summary file in the store. */
async function writtenDays(store: ObjectStore): Promise<Set<Day>> {
  const days = new Set<Day>();
  for (const name of await store.list(SUMMARY_FILE_PREFIX)) {
    const day = dayOfSummaryFile(name);
    if (day !== undefined && name === summaryFileName(day)) days.add(day);
  }
  return days;
}

/** A summary's totals for a log line: the transaction count and, per currency, count and amount. */
export interface Totals {
  transactions: number;
  byCurrency: Record<string, {count: number; amount: string}>;
}

export function totalsOf(rows: readonly SummaryRow[]): Totals {
  const totals: Totals = {transactions: 0, byCurrency: {}};
  for (const row of rows) {
    if (row.kind === 'grand-total') totals.transactions = row.count;
    else if (row.kind === 'currency-total')
      totals.byCurrency[row.currency] = {
        count: row.count,
        amount: formatMinor(row.sumMinor, row.currency),
      };
  }
  return totals;
}

async function writing<T>(
  deps: DailySummaryDeps,
  file: string,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw new Error(
      `writing ${file} to ${deps.store.location} failed: ${(error as Error).message}`,
      {cause: error},
    );
  }
}

/** `changed`: the day's change token read before the watermark; the summary records that it covers it. */
async function summarizeAndWrite(
  deps: DailySummaryDeps,
  day: Day,
  dryRun: boolean,
  changed: string | undefined,
): Promise<DayOutcome> {
  const summary = await summarizeDay(deps.txnTable, deps.txnSchema, day);
  const {rowsRead, malformed} = summary;
  if (malformed.count > 0)
    return {day, status: 'malformed-rows', rowsRead, malformed};
  const file = summaryFileName(day);
  const csv = encodeSummaryCsv(summary.totals.toRows());
  const transactions = summary.totals.count;
  if (dryRun)
    return {day, status: 'dry-run', file, rowsRead, transactions, csv};
  const created = await writing(deps, file, () =>
    deps.store.createIfAbsent(file, csv),
  );
  if (created)
    await recordDaySummarized(deps.stateTable, deps.stateSchema, day, changed);
  return {
    day,
    status: created ? 'written' : 'written-by-another-run',
    file,
    rowsRead,
    transactions,
  };
}

/**
 * A written day that changed after its summary: read it again; if the totals differ, keep the
 * current version under its superseded name and replace the file only if nobody replaced it since
 * we read it (so two runs restating one day write one new version).
 */
async function restate(
  deps: DailySummaryDeps,
  day: Day,
  dryRun: boolean,
  changed: string | undefined,
): Promise<DayOutcome> {
  const file = summaryFileName(day);
  const current = await deps.store.readVersioned(file);
  const summary = await summarizeDay(deps.txnTable, deps.txnSchema, day);
  const {rowsRead, malformed} = summary;
  if (malformed.count > 0)
    return {day, status: 'malformed-rows', rowsRead, malformed};
  const rows = summary.totals.toRows();
  const csv = encodeSummaryCsv(rows);
  const transactions = summary.totals.count;
  if (csv === current.data.toString('utf8')) {
    if (!dryRun)
      await recordDaySummarized(
        deps.stateTable,
        deps.stateSchema,
        day,
        changed,
      );
    return {day, status: 'unchanged', file, rowsRead, transactions};
  }
  if (dryRun)
    return {day, status: 'dry-run', file, rowsRead, transactions, csv};
  const superseded = supersededFileName(day, current.version);
  await writing(deps, superseded, () =>
    deps.store.createIfAbsent(superseded, current.data),
  );
  if (
    !(await writing(deps, file, () =>
      deps.store.replaceIfVersion(file, current.version, csv),
    ))
  ) {
    return {
      day,
      status: 'restated-by-another-run',
      file,
      rowsRead,
      transactions,
    };
  }
  await recordDaySummarized(deps.stateTable, deps.stateSchema, day, changed);
  const oldTotals = totalsOf(
    decodeSummaryCsv(current.data.toString('utf8')).rows,
  );
  return {
    day,
    status: 'restated',
    file,
    superseded,
    rowsRead,
    transactions,
    oldTotals,
    newTotals: totalsOf(rows),
  };
}

function logOutcome(log: Logger, outcome: DayOutcome, location: string): void {
  switch (outcome.status) {
    case 'restated': {
      const {day, status, file, superseded, oldTotals, newTotals} = outcome;
      log.warn(
        {day, status, file, superseded, location, oldTotals, newTotals},
        `${day}: restated ${file}: ${oldTotals.transactions} -> ${newTotals.transactions} transactions (late rows); the previous version is ${superseded}`,
      );
      break;
    }
    case 'written':
    case 'written-by-another-run':
    case 'restated-by-another-run':
    case 'unchanged':
    case 'dry-run': {
      const {day, status, file, rowsRead, transactions} = outcome;
      // A dry run shows what it would have written (a day's CSV is a few dozen lines).
      const csv = outcome.status === 'dry-run' ? {csv: outcome.csv} : {};
      log.info(
        {day, status, file, location, rowsRead, transactions, ...csv},
        `${day}: ${status} ${file} (${transactions} transactions)`,
      );
      break;
    }
    case 'malformed-rows':
      log.error(
        {
          day: outcome.day,
          status: outcome.status,
          rowsRead: outcome.rowsRead,
          malformedCount: outcome.malformed.count,
          malformedRows: outcome.malformed.examples,
        },
        `${outcome.day}: held back, ${outcome.malformed.count} malformed row(s) in txn_tbl, first key ${outcome.malformed.examples[0]?.key}: ` +
          'repair or delete those rows, then run the job again',
      );
      break;
    case 'failed':
      log.error(
        {day: outcome.day, status: outcome.status, err: outcome.error},
        `${outcome.day}: failed: ${outcome.error.message}`,
      );
      break;
  }
}

/**
 * One run of the daily summary job: plan the days, then summarize and write each day to do, oldest
 * first, one day at a time (each day's ranges are read in parallel). A day that fails is reported
 * and the run goes on with the next: what was written stays written.
 */
export async function runDailySummary(
  deps: DailySummaryDeps,
  options: DailySummaryOptions,
): Promise<DailySummaryReport> {
  const {log} = deps;
  const now = (deps.now ?? (() => new Date()))();
  const task = options.task ?? {index: 0, count: 1};
  // The change tokens BEFORE the watermark: a generation that changes a day after this read lowers
  // the watermark after it too, so either this run holds the day back, or it records a token the
  // day's next change replaces (and the next run restates the day).
  const changes = await readDayChanges(
    deps.stateTable,
    deps.stateSchema,
    daysInScope(options.scope, now).filter(day => isTasksDay(day, task)),
  );
  const [watermark, written] = await Promise.all([
    readWatermark(deps.stateTable, deps.stateSchema),
    writtenDays(deps.store),
  ]);
  const plan = planDays({
    scope: options.scope,
    watermark,
    now,
    written,
    changes,
    task,
  });
  log.info(
    {
      watermark: watermark?.toISOString() ?? null,
      location: deps.store.location,
      task: options.task,
      dryRun: options.dryRun ?? false,
      toSummarize: plan.toSummarize,
      toRestate: plan.toRestate,
      heldBack: plan.heldBack,
      empty: plan.empty,
      alreadyWritten: plan.alreadyWritten.length,
    },
    `plan: ${plan.toSummarize.length} day(s) to summarize, ${plan.toRestate.length} changed since summarized, ${plan.heldBack.length} held back, ` +
      `${plan.empty.length} without transactions (not written), ${plan.alreadyWritten.length} already written`,
  );
  if (plan.heldBack.length > 0) {
    log.warn(
      {heldBack: plan.heldBack, watermark: watermark?.toISOString() ?? null},
      `held back ${plan.heldBack.join(', ')}: the replication watermark (${watermark?.toISOString() ?? 'none yet'}) has not passed the end of ${
        plan.heldBack.length === 1 ? 'that day' : 'those days'
      }`,
    );
  }
  const outcomes: DayOutcome[] = [];
  const work = [
    ...plan.toSummarize.map(day => ({day, restated: false})),
    ...plan.toRestate.map(day => ({day, restated: true})),
  ];
  for (const {day, restated} of work.sort((a, b) =>
    a.day.localeCompare(b.day),
  )) {
    let outcome: DayOutcome;
    const changed = changes.get(day)?.changed;
    try {
      outcome = await (restated ? restate : summarizeAndWrite)(
        deps,
        day,
        options.dryRun ?? false,
        changed,
      );
    } catch (error) {
      outcome = {
        day,
        status: 'failed',
        error: error instanceof Error ? error : new Error(String(error)),
      };
    }
    logOutcome(log, outcome, deps.store.location);
    outcomes.push(outcome);
  }
  const ok = outcomes.every(
    o => o.status !== 'failed' && o.status !== 'malformed-rows',
  );
  return {watermark, plan, outcomes, ok};
}

/** The one line a run ends with: counts per status, and what to do when it is not ok. */
export function verdictOf(report: DailySummaryReport): {
  ok: boolean;
  counts: Record<string, number>;
  message: string;
} {
  const count = (status: DayOutcome['status']) =>
    report.outcomes.filter(o => o.status === status).length;
  const counts = {
    written: count('written'),
    writtenByAnotherRun: count('written-by-another-run'),
    dryRun: count('dry-run'),
    restated: count('restated'),
    unchanged: count('unchanged'),
    heldBack: report.plan.heldBack.length,
    empty: report.plan.empty.length,
    malformed: count('malformed-rows'),
    failed: count('failed'),
  };
  if (report.ok)
    return {
      ok: true,
      counts,
      message: `done: ${counts.written} day(s) written, ${counts.restated} restated, ${counts.heldBack} held back`,
    };
  const bad = report.outcomes
    .filter(o => o.status === 'failed' || o.status === 'malformed-rows')
    .map(o => `${o.day} ${o.status}`);
  return {
    ok: false,
    counts,
    message: `daily summary incomplete: ${bad.join(', ')}; days already written stay written, rerun after fixing`,
  };
}
