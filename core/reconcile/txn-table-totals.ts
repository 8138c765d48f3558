import type { Table } from '@google-cloud/bigtable';
import type { Day } from '../day';
import type { TxnTableSchema } from '../resources';
import { dayRanges } from '../row-key';
import { forEachRow } from '../summary/read-day';
import { MalformedRowError, fromRow } from '../txn-row';
import { type StoreDay, addTo, emptyStoreDay } from './day-totals';

export interface TxnTableDay extends StoreDay {
  /** Rows of the day that do not decode as a transaction (their keys, the first few). */
  malformed: string[];
}

/**
 * `txn_tbl`'s view of one day: every row of the day's salted ranges decoded in full as a
 * transaction (newest cell of each column), counted and summed per currency.
 */
export async function txnTableDay(table: Table, schema: TxnTableSchema, day: Day): Promise<TxnTableDay> {
  const totals: TxnTableDay = { ...emptyStoreDay(), malformed: [] };
  await forEachRow(table, dayRanges(day), (row) => {
    try {
      const txn = fromRow(row, schema);
      addTo(totals, txn.currency, txn.amountMinor);
    } catch (error) {
      if (!(error instanceof MalformedRowError)) throw error;
      if (totals.malformed.length < 10) totals.malformed.push(error.key);
    }
  });
  return totals;
}
