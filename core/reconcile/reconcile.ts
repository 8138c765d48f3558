import type {Table} from '@google-cloud/bigtable';
import {type Day, daysBetween} from '../day';
import type {SummaryTableSchema, TxnTableSchema} from '../resources';
import type {SqlPool} from '../sql/connect';
import type {ObjectStore} from '../storage/object-store';
import {type DayReconciliation, compareDay} from './compare';
import {csvDay, summaryFilesPresent} from './csv-totals';
import type {AvroTopicTally} from './avro-topic-totals';
import {AVRO_STORE, emptyStoreDay} from './day-totals';
import {sqlTotals} from './sql-totals';
import {summaryTableDays} from './summary-table-totals';
import {txnTableDay} from './txn-table-totals';

/** Where the four stores are, with their clients already built (local or cloud alike). */
export interface ReconcileSources {
  sql: SqlPool;
  txnTable: Table;
  txnSchema: TxnTableSchema;
  summaries: ObjectStore;
  summaryTable: Table;
  summarySchema: SummaryTableSchema;
}

export interface Reconciliation {
  from: Day;
  to: Day;
  days: DayReconciliation[];
  /** The days that differ, in order; empty when everything reconciles. */
  differing: Day[];
  ok: boolean;
}

/**
 * Reads every store for the days `from`..`to` and compares them day by day; `avroTopic`, what a
 * subscriber of the AVRO topic received (when one was counting), joins the comparison.
 */
export async function reconcile(
  sources: ReconcileSources,
  from: Day,
  to: Day,
  avroTopic?: AvroTopicTally,
): Promise<Reconciliation> {
  const days = daysBetween(from, to);
  const [sql, present, summaryRows] = await Promise.all([
    sqlTotals(sources.sql, from, to),
    summaryFilesPresent(sources.summaries),
    summaryTableDays(sources.summaryTable, sources.summarySchema, days),
  ]);
  // A few days at a time: each day is already 8 range reads in parallel.
  const results: DayReconciliation[] = [];
  for (let i = 0; i < days.length; i += DAYS_IN_FLIGHT) {
    results.push(
      ...(await Promise.all(
        days
          .slice(i, i + DAYS_IN_FLIGHT)
          .map(day =>
            reconcileDay(sources, day, sql, present, summaryRows, avroTopic),
          ),
      )),
    );
  }
  const differing = results.filter(r => !r.ok).map(r => r.day);
  return {from, to, days: results, differing, ok: differing.length === 0};
}

const DAYS_IN_FLIGHT = 4;

type SqlFigures = Awaited<ReturnType<typeof sqlTotals>>;
type SummaryRows = Awaited<ReturnType<typeof summaryTableDays>>;

async function reconcileDay(
  sources: ReconcileSources,
  day: Day,
  sql: SqlFigures,
  present: Set<string>,
  summaryRows: SummaryRows,
  avroTopic: AvroTopicTally | undefined,
): Promise<DayReconciliation> {
  const [txn, csv] = await Promise.all([
    txnTableDay(sources.txnTable, sources.txnSchema, day),
    csvDay(sources.summaries, present, day),
  ]);
  const summary = summaryRows.get(day);
  const unsent = sql.unsent.get(day) ?? 0;
  const avro = avroTopic
    ? (avroTopic.days.get(day) ?? {
        ...emptyStoreDay(),
        duplicates: 0,
        problems: [],
      })
    : undefined;
  return compareDay({
    day,
    stores: {
      sql: sql.days.get(day) ?? emptyStoreDay(),
      txn_tbl: txn,
      csv,
      summary_table: summary,
      ...(avro ? {[AVRO_STORE]: avro} : {}),
    },
    problems: {
      ...(avro
        ? {[AVRO_STORE]: [...avro.problems, ...avroTopic!.undated]}
        : {}),
      sql: unsent > 0 ? [`${unsent} rows not yet sent to Bigtable`] : [],
      txn_tbl:
        txn.malformedCount > 0
          ? [
              `${txn.malformedCount} malformed rows, e.g. ${txn.malformed.join(', ')}`,
            ]
          : [],
      csv: csv?.problems ?? [],
      summary_table: summary?.problems ?? [],
    },
    thresholdSignal: summary?.thresholdSignal,
  });
}
