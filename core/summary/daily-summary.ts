import type { Table } from '@google-cloud/bigtable';
import type { Day } from '../day';
import type { Logger } from '../log';
import type { StateTableSchema, TxnTableSchema } from '../resources';
import type { ObjectStore } from '../storage/object-store';
import { dayOfSummaryFile, encodeSummaryCsv, SUMMARY_FILE_PREFIX, summaryFileName } from '../summary-csv';
import { readWatermark } from '../bigtable/pipeline-state';
import { type DayPlan, type DayScope, planDays, type TaskShare } from './plan';
import { type MalformedRows, summarizeDay } from './read-day';

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
  | { day: Day; status: 'written'; file: string; rowsRead: number; transactions: number }
  /** Another run wrote the file between our listing and our write: its file stays. */
  | { day: Day; status: 'written-by-another-run'; file: string; rowsRead: number; transactions: number }
  | { day: Day; status: 'dry-run'; file: string; rowsRead: number; transactions: number; csv: string }
  /** Held back: a summary without its malformed rows would be silently short. */
  | { day: Day; status: 'malformed-rows'; rowsRead: number; malformed: MalformedRows }
  | { day: Day; status: 'failed'; error: Error };

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

async function summarizeAndWrite(deps: DailySummaryDeps, day: Day, dryRun: boolean): Promise<DayOutcome> {
  const summary = await summarizeDay(deps.txnTable, deps.txnSchema, day);
  const { rowsRead, malformed } = summary;
  if (malformed.count > 0) return { day, status: 'malformed-rows', rowsRead, malformed };
  const file = summaryFileName(day);
  const csv = encodeSummaryCsv(summary.totals.toRows());
  const transactions = summary.totals.count;
  if (dryRun) return { day, status: 'dry-run', file, rowsRead, transactions, csv };
  let created: boolean;
  try {
    created = await deps.store.createIfAbsent(file, csv);
  } catch (error) {
    throw new Error(`writing ${file} to ${deps.store.location} failed: ${(error as Error).message}`, { cause: error });
  }
  return { day, status: created ? 'written' : 'written-by-another-run', file, rowsRead, transactions };
}

function logOutcome(log: Logger, outcome: DayOutcome, location: string): void {
  switch (outcome.status) {
    case 'written':
    case 'written-by-another-run':
    case 'dry-run': {
      const { day, status, file, rowsRead, transactions } = outcome;
      // A dry run shows what it would have written (a day's CSV is a few dozen lines).
      const csv = outcome.status === 'dry-run' ? { csv: outcome.csv } : {};
      log.info({ day, status, file, location, rowsRead, transactions, ...csv }, `${day}: ${status} ${file} (${transactions} transactions)`);
      break;
    }
    case 'malformed-rows':
      log.error(
        { day: outcome.day, status: outcome.status, rowsRead: outcome.rowsRead, malformedCount: outcome.malformed.count, malformedRows: outcome.malformed.examples },
        `${outcome.day}: held back, ${outcome.malformed.count} malformed row(s) in txn_tbl, first key ${outcome.malformed.examples[0]?.key}: ` +
          'repair or delete those rows, then run the job again',
      );
      break;
    case 'failed':
      log.error({ day: outcome.day, status: outcome.status, err: outcome.error }, `${outcome.day}: failed: ${outcome.error.message}`);
      break;
  }
}

/**
 * One run of the daily summary job: plan the days, then summarize and write each day to do, oldest
 * first, one day at a time (each day's ranges are read in parallel). A day that fails is reported
 * and the run goes on with the next: what was written stays written.
 */
export async function runDailySummary(deps: DailySummaryDeps, options: DailySummaryOptions): Promise<DailySummaryReport> {
  const { log } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const [watermark, written] = await Promise.all([readWatermark(deps.stateTable, deps.stateSchema), writtenDays(deps.store)]);
  const plan = planDays({ scope: options.scope, watermark, now, written, task: options.task ?? { index: 0, count: 1 } });
  log.info(
    {
      watermark: watermark?.toISOString() ?? null,
      location: deps.store.location,
      task: options.task,
      dryRun: options.dryRun ?? false,
      toSummarize: plan.toSummarize,
      heldBack: plan.heldBack,
      alreadyWritten: plan.alreadyWritten.length,
    },
    `plan: ${plan.toSummarize.length} day(s) to summarize, ${plan.heldBack.length} held back, ${plan.alreadyWritten.length} already written`,
  );
  if (plan.heldBack.length > 0) {
    log.warn(
      { heldBack: plan.heldBack, watermark: watermark?.toISOString() ?? null },
      `held back ${plan.heldBack.join(', ')}: the replication watermark (${watermark?.toISOString() ?? 'none yet'}) has not passed the end of ${
        plan.heldBack.length === 1 ? 'that day' : 'those days'
      }`,
    );
  }
  const outcomes: DayOutcome[] = [];
  for (const day of plan.toSummarize) {
    let outcome: DayOutcome;
    try {
      outcome = await summarizeAndWrite(deps, day, options.dryRun ?? false);
    } catch (error) {
      outcome = { day, status: 'failed', error: error instanceof Error ? error : new Error(String(error)) };
    }
    logOutcome(log, outcome, deps.store.location);
    outcomes.push(outcome);
  }
  const ok = outcomes.every((o) => o.status !== 'failed' && o.status !== 'malformed-rows');
  return { watermark, plan, outcomes, ok };
}

/** The one line a run ends with: counts per status, and what to do when it is not ok. */
export function verdictOf(report: DailySummaryReport): { ok: boolean; counts: Record<string, number>; message: string } {
  const count = (status: DayOutcome['status']) => report.outcomes.filter((o) => o.status === status).length;
  const counts = {
    written: count('written'),
    writtenByAnotherRun: count('written-by-another-run'),
    dryRun: count('dry-run'),
    heldBack: report.plan.heldBack.length,
    malformed: count('malformed-rows'),
    failed: count('failed'),
  };
  if (report.ok) return { ok: true, counts, message: `done: ${counts.written} day(s) written, ${counts.heldBack} held back` };
  const bad = report.outcomes.filter((o) => o.status === 'failed' || o.status === 'malformed-rows').map((o) => `${o.day} ${o.status}`);
  return { ok: false, counts, message: `daily summary incomplete: ${bad.join(', ')}; days already written stay written, rerun after fixing` };
}
