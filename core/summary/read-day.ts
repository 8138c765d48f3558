import type {Table} from '@google-cloud/bigtable';
import type {Day} from '../day';
import type {TxnTableSchema} from '../resources';
import {forEachRow} from '../bigtable/row-stream';
import {dayRanges} from '../bigtable/row-key';
import {MalformedRowError} from '../bigtable/txn-row';
import {DayTotals} from './day-totals';
import {summaryFieldsOf} from './summary-fields';

/** How many malformed keys a day keeps for its report; the count is always exact. */
const MALFORMED_KEYS_KEPT = 100;

export interface MalformedRows {
  count: number;
  /** The first MALFORMED_KEYS_KEPT rows, in the order they were read, each with its reason. */
  examples: Array<{key: string; reason: string}>;
}

export interface DaySummary {
  day: Day;
  totals: DayTotals;
  rowsRead: number;
  malformed: MalformedRows;
}

/**
 * Reads exactly one day from `txn_tbl` by its SALT_BUCKETS row ranges, in parallel, folding each
 * row into the day's totals. A malformed row is counted and reported with its key; it never stops
 * the read.
 */
export async function summarizeDay(
  table: Table,
  schema: TxnTableSchema,
  day: Day,
): Promise<DaySummary> {
  const totals = new DayTotals(day);
  const malformed: MalformedRows = {count: 0, examples: []};
  let rowsRead = 0;
  await forEachRow(table, dayRanges(day), row => {
    rowsRead += 1;
    try {
      totals.add(summaryFieldsOf(row, schema, day));
    } catch (error) {
      if (!(error instanceof MalformedRowError)) throw error;
      malformed.count += 1;
      if (malformed.examples.length < MALFORMED_KEYS_KEPT)
        malformed.examples.push({key: error.key, reason: error.message});
    }
  });
  return {day, totals, rowsRead, malformed};
}
