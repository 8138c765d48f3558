import type {Day} from '../day';
import type {ObjectStore} from '../storage/object-store';
import {
  SUMMARY_FILE_PREFIX,
  decodeSummaryCsv,
  summaryFileName,
} from '../summary-csv';
import {type StoreDay, emptyStoreDay} from './day-totals';

export interface CsvDay extends StoreDay {
  /** Lines of the file that do not parse, or whose totals disagree with their groups. */
  problems: string[];
}

/** The names of the summary files present, so each day costs one read only when its file exists. */
export async function summaryFilesPresent(
  store: ObjectStore,
): Promise<Set<string>> {
  return new Set(await store.list(SUMMARY_FILE_PREFIX));
}

/**
 * The summary CSV's view of one day, from its per-currency TOTAL lines and its TOTAL,ALL count;
 * undefined when the day has no file. Group lines are added up too: a file whose totals disagree
 * with its own groups is reported.
 */
export async function csvDay(
  store: ObjectStore,
  present: Set<string>,
  day: Day,
): Promise<CsvDay | undefined> {
  const name = summaryFileName(day);
  if (!present.has(name)) return undefined;
  const decoded = decodeSummaryCsv((await store.read(name)).toString('utf8'));
  const totals: CsvDay = {
    ...emptyStoreDay(),
    problems: decoded.rejected.map(r => `line ${r.line}: ${r.reason}`),
  };
  const groups = emptyStoreDay();
  let grandTotal: number | undefined;
  for (const row of decoded.rows) {
    if (row.date !== day)
      totals.problems.push(
        `line ${row.line}: date ${row.date} in the file of ${day}`,
      );
    if (row.kind === 'currency-total') {
      totals.currencies.set(row.currency, {
        count: row.count,
        sumMinor: row.sumMinor,
      });
    } else if (row.kind === 'group') {
      const bucket = groups.currencies.get(row.currency) ?? {
        count: 0,
        sumMinor: 0n,
      };
      groups.currencies.set(row.currency, {
        count: bucket.count + row.count,
        sumMinor: bucket.sumMinor + row.sumMinor,
      });
      groups.count += row.count;
    } else {
      grandTotal = row.count;
    }
  }
  if (grandTotal === undefined) totals.problems.push('no TOTAL,ALL line');
  totals.count = grandTotal ?? 0;
  for (const [currency, group] of groups.currencies) {
    const total = totals.currencies.get(currency);
    if (
      !total ||
      total.count !== group.count ||
      total.sumMinor !== group.sumMinor
    )
      totals.problems.push(`TOTAL,${currency} does not match its group lines`);
  }
  if (groups.count !== totals.count)
    totals.problems.push(
      `TOTAL,ALL ${totals.count} does not match its group lines (${groups.count})`,
    );
  return totals;
}
