import type { Table } from '@google-cloud/bigtable';
import type { Day } from '../day';
import type { TxnTableSchema } from '../resources';
import { dayRanges, type RowRange } from '../row-key';
import { MalformedRowError, type ReadRow } from '../txn-row';
import { DayTotals } from './day-totals';
import { summaryFieldsOf } from './summary-fields';

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
 * Streams every row of the ranges, all ranges at once, into `onRow` (synchronous, so nothing piles
 * up: memory stays flat however many rows there are). The first error stops every stream.
 */
export function forEachRow(table: Table, ranges: RowRange[], onRow: (row: ReadRow) => void): Promise<void> {
  const streams = ranges.map((range) => table.createReadStream(rangeReadOptions(range)));
  const stopAll = () => streams.forEach((stream) => stream.destroy());
  return Promise.all(
    streams.map(
      (stream) =>
        new Promise<void>((resolve, reject) => {
          stream.on('data', (row: ReadRow) => {
            try {
              onRow(row);
            } catch (error) {
              reject(error);
              stopAll();
            }
          });
          stream.once('error', (error) => {
            reject(error);
            stopAll();
          });
          stream.once('end', () => resolve());
        }),
    ),
  ).then(() => undefined);
}

/**
 * Reads exactly one day from `txn_tbl` by its SALT_BUCKETS row ranges, in parallel, folding each
 * row into the day's totals. A malformed row is counted and reported with its key; it never stops
 * the read.
 */
export async function summarizeDay(table: Table, schema: TxnTableSchema, day: Day): Promise<DaySummary> {
  const totals = new DayTotals(day);
  const malformed: MalformedRows = { count: 0, examples: [] };
  let rowsRead = 0;
  await forEachRow(table, dayRanges(day), (row) => {
    rowsRead += 1;
    try {
      totals.add(summaryFieldsOf(row, schema, day));
    } catch (error) {
      if (!(error instanceof MalformedRowError)) throw error;
      malformed.count += 1;
      if (malformed.examples.length < MALFORMED_KEYS_KEPT) malformed.examples.push({ key: error.key, reason: error.message });
    }
  });
  return { day, totals, rowsRead, malformed };
}
