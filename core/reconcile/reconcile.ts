import type { Table } from '@google-cloud/bigtable';
import { type Day, daysBetween } from '../day';
import type { SummaryTableSchema, TxnTableSchema } from '../resources';
import type { SqlPool } from '../sql/connect';
import type { ObjectStore } from '../storage/object-store';
import { type DayReconciliation, compareDay } from './compare';
import { csvDay, summaryFilesPresent } from './csv-totals';
import { emptyStoreDay } from './day-totals';
import { sqlTotals } from './sql-totals';
import { summaryTableDays } from './summary-table-totals';
import { txnTableDay } from './txn-table-totals';

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

/** Reads every store for the days `from`..`to` and compares them day by day. */
export async function reconcile(sources: ReconcileSources, from: Day, to: Day): Promise<Reconciliation> {
  const days = daysBetween(from, to);
  const [sql, present, summaryRows] = await Promise.all([
    sqlTotals(sources.sql, from, to),
    summaryFilesPresent(sources.summaries),
    summaryTableDays(sources.summaryTable, sources.summarySchema, days),
  ]);
  const results: DayReconciliation[] = [];
  for (const day of days) {
    const [txn, csv] = await Promise.all([txnTableDay(sources.txnTable, sources.txnSchema, day), csvDay(sources.summaries, present, day)]);
    const summary = summaryRows.get(day);
    const unsent = sql.unsent.get(day) ?? 0;
    results.push(
      compareDay({
        day,
        stores: { sql: sql.days.get(day) ?? emptyStoreDay(), txn_tbl: txn, csv, summary_table: summary },
        problems: {
          sql: unsent > 0 ? [`${unsent} rows not yet sent to Bigtable`] : [],
          txn_tbl: txn.malformed.map((key) => `malformed row ${key}`),
          csv: csv?.problems ?? [],
          summary_table: summary?.problems ?? [],
        },
        thresholdSignal: summary?.thresholdSignal,
      }),
    );
  }
  const differing = results.filter((r) => !r.ok).map((r) => r.day);
  return { from, to, days: results, differing, ok: differing.length === 0 };
}
