import type {Table} from '@google-cloud/bigtable';
import type {ReadRow} from '../bigtable/read-rows';
import {
  SIGNAL_COLUMN,
  decodeSummaryRow,
  summaryColumnOf,
} from '../bigtable/summary-row';
import type {Day} from '../day';
import {CURRENCIES, parseDecimal} from '../money';
import type {SummaryTableSchema} from '../resources';
import type {StoreDay} from './day-totals';

export interface SummaryTableDay extends StoreDay {
  thresholdSignal: string | undefined;
  problems: string[];
}

const COUNT = /^(0|[1-9]\d{0,14})$/;

/**
 * The summary table's view of each day that has a row: its per-currency total columns (`count` and
 * `sum`), the grand total's count and the threshold signal. Days without a row are absent.
 */
export async function summaryTableDays(
  table: Table,
  schema: SummaryTableSchema,
  days: Day[],
): Promise<Map<Day, SummaryTableDay>> {
  const [rows] = await table.getRows({
    keys: days,
    filter: [{column: {cellLimit: 1}}],
  });
  const result = new Map<Day, SummaryTableDay>();
  for (const row of rows as unknown as ReadRow[]) {
    const cells = decodeSummaryRow(row, schema);
    const day: SummaryTableDay = {
      count: 0,
      currencies: new Map(),
      thresholdSignal: cells.count[SIGNAL_COLUMN],
      problems: [],
    };
    const allColumn = summaryColumnOf({
      kind: 'grand-total',
      date: row.id,
      count: 0,
    });
    const all = cells.count[allColumn];
    if (all === undefined || !COUNT.test(all))
      day.problems.push(
        `count:${allColumn} is ${all === undefined ? 'missing' : `"${all}"`}`,
      );
    else day.count = Number(all);
    for (const currency of CURRENCIES) {
      const column = summaryColumnOf({
        kind: 'currency-total',
        date: row.id,
        currency,
        count: 0,
        sumMinor: 0n,
      });
      const count = cells.count[column];
      const sum = cells.sum[column];
      if (count === undefined && sum === undefined) continue;
      if (count === undefined || sum === undefined || !COUNT.test(count)) {
        day.problems.push(
          `${column}: count ${count ?? 'missing'}, sum ${sum ?? 'missing'}`,
        );
        continue;
      }
      try {
        day.currencies.set(currency, {
          count: Number(count),
          sumMinor: parseDecimal(sum, currency),
        });
      } catch (error) {
        day.problems.push(
          `sum:${column} "${sum}": ${(error as Error).message}`,
        );
      }
    }
    result.set(row.id, day);
  }
  return result;
}
