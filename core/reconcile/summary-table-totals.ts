import type { Table } from '@google-cloud/bigtable';
import type { Day } from '../day';
import { CURRENCIES, parseDecimal } from '../money';
import type { SummaryTableSchema } from '../resources';
import { ALL_CURRENCIES, TOTAL } from '../summary-csv';
import type { StoreDay } from './day-totals';

/**
 * The column of `count` the flex template writes a day's threshold signal to. (The flex template's
 * own name for it is SIGNAL_COLUMN in flex-template/daily-summary-row.ts; a step cannot import a
 * deployable, so the summary row's codec belongs in core/bigtable/ once it moves there.)
 */
export const THRESHOLD_SIGNAL_COLUMN = 'threshold_signal';

export interface SummaryTableDay extends StoreDay {
  thresholdSignal: string | undefined;
  problems: string[];
}

type Cells = Record<string, Array<{ value: string | Buffer }>>;

function text(cells: Cells | undefined, column: string): string | undefined {
  const value = cells?.[column]?.[0]?.value;
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
}

/**
 * The summary table's view of each day that has a row: the `TOTAL:<currency>` columns of `count` and
 * `sum`, `TOTAL:ALL`, and the threshold signal. Days without a row are absent from the map.
 */
export async function summaryTableDays(table: Table, schema: SummaryTableSchema, days: Day[]): Promise<Map<Day, SummaryTableDay>> {
  const [rows] = await table.getRows({ keys: days, filter: [{ column: { cellLimit: 1 } }] });
  const result = new Map<Day, SummaryTableDay>();
  for (const row of rows as Array<{ id: string; data: Record<string, Cells> }>) {
    const counts = row.data[schema.families.count];
    const sums = row.data[schema.families.sum];
    const day: SummaryTableDay = { count: 0, currencies: new Map(), thresholdSignal: text(counts, THRESHOLD_SIGNAL_COLUMN), problems: [] };
    const all = text(counts, `${TOTAL}:${ALL_CURRENCIES}`);
    if (all === undefined || !/^\d+$/.test(all)) day.problems.push(`count:${TOTAL}:${ALL_CURRENCIES} is ${all === undefined ? 'missing' : `"${all}"`}`);
    else day.count = Number(all);
    for (const currency of CURRENCIES) {
      const column = `${TOTAL}:${currency}`;
      const count = text(counts, column);
      const sum = text(sums, column);
      if (count === undefined && sum === undefined) continue;
      if (count === undefined || sum === undefined || !/^\d+$/.test(count)) {
        day.problems.push(`${column}: count ${count ?? 'missing'}, sum ${sum ?? 'missing'}`);
        continue;
      }
      try {
        day.currencies.set(currency, { count: Number(count), sumMinor: parseDecimal(sum, currency) });
      } catch (error) {
        day.problems.push(`sum:${column} "${sum}": ${(error as Error).message}`);
      }
    }
    result.set(row.id, day);
  }
  return result;
}
