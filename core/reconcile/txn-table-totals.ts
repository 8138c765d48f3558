import type {Table} from '@google-cloud/bigtable';
import type {Day} from '../day';
import type {TxnTableSchema} from '../resources';
import {summarizeDay} from '../summary/read-day';
import {type StoreDay, addTo, emptyStoreDay} from './day-totals';

export interface TxnTableDay extends StoreDay {
  /** Rows of the day that do not decode as a transaction (their keys, the first few). */
  malformed: string[];
  malformedCount: number;
}

/**
 * `txn_tbl`'s view of one day: every row of the day's salted ranges (newest cell of each column),
 * decoded and checked by the same rules as the daily job, counted and summed per currency.
 */
export async function txnTableDay(
  table: Table,
  schema: TxnTableSchema,
  day: Day,
): Promise<TxnTableDay> {
  const summary = await summarizeDay(table, schema, day);
  const totals: TxnTableDay = {
    ...emptyStoreDay(),
    malformed: summary.malformed.examples.slice(0, 10).map(e => e.key),
    malformedCount: summary.malformed.count,
  };
  for (const row of summary.totals.toRows())
    if (row.kind === 'currency-total')
      addTo(totals, row.currency, row.sumMinor, row.count);
  return totals;
}
