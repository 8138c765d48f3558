import type { Table } from '@google-cloud/bigtable';
import type { Day } from '../day';
import type { TxnTableSchema } from '../resources';
import { dayRanges, type RowRange } from '../row-key';
import { fromRow, MalformedRowError, type ReadRow } from '../txn-row';
import { DayTotals } from './day-totals';

/** How many malformed keys a day keeps for its report; the count is always exact. */
export const MALFORMED_KEYS_KEPT = 100;

export interface MalformedRows {
  count: number;
  /** The first MALFORMED_KEYS_KEPT rows, in the order they were read, each with its reason. */
  examples: Array<{ key: string; reason: string }>;
}

export interface DaySummary {
  day: Day;
  totals: DayTotals;
  rowsRead: number;
  malformed: MalformedRows;
}

/**
 * Only the newest cell of each column: the emulator does not apply GC policies, and a row that was
 * written twice must count once with its latest values.
 */
const NEWEST_CELL = [{ column: { cellLimit: 1 } }];

/** The read options of one row range: start inclusive, end exclusive, as `dayRanges` defines them. */
export function rangeReadOptions(range: RowRange) {
  return { ranges: [{ start: range.start, end: { value: range.end, inclusive: false } }], filter: NEWEST_CELL };
}

/**
 * Reads exactly one day from `txn_tbl` by its SALT_BUCKETS row ranges, all in parallel, streaming:
 * each row is folded into the day's totals and dropped, so memory does not grow with the day.
 * A malformed row is counted and reported with its key; it never stops the read.
 */
export async function summarizeDay(table: Table, schema: TxnTableSchema, day: Day): Promise<DaySummary> {
  const totals = new DayTotals(day);
  const malformed: MalformedRows = { count: 0, examples: [] };
  let rowsRead = 0;
  const readRange = async (range: RowRange): Promise<void> => {
    for await (const row of table.createReadStream(rangeReadOptions(range))) {
      rowsRead += 1;
      try {
        totals.add(fromRow(row as ReadRow, schema));
      } catch (error) {
        if (!(error instanceof MalformedRowError)) throw error;
        malformed.count += 1;
        if (malformed.examples.length < MALFORMED_KEYS_KEPT) malformed.examples.push({ key: error.key, reason: error.message });
      }
    }
  };
  await Promise.all(dayRanges(day).map(readRange));
  return { day, totals, rowsRead, malformed };
}
