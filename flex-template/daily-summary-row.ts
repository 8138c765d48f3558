/**
 * One daily summary CSV -> one Bigtable row of daily_transactions_summaries_from_csv (cell layout:
 * core/bigtable/summary-row.ts), plus the lines that could not be loaded (dead letters), and the
 * row's `threshold_signal` (LOW / NORMAL / HIGH, from the TOTAL,ALL count).
 */
import {
  type SummaryCells,
  summaryCellsOf,
  summaryColumnOf,
} from '../core/bigtable/summary-row';
import {formatMinor} from '../core/money';
import {decodeSummaryCsv, type SummaryRow} from '../core/summary-csv';

export interface Thresholds {
  low: number;
  high: number;
}

export type ThresholdSignal = 'LOW' | 'NORMAL' | 'HIGH';

export interface DeadLetter {
  file: string;
  /** 1-based line in the file; the header is line 1. */
  line: number;
  reason: string;
}

export interface DailySummaryLoad {
  file: string;
  date: string;
  /** Undefined when any line of the file was rejected: the file is not loaded. */
  cells?: SummaryCells;
  deadLetters: DeadLetter[];
  validRows: number;
}

/** LOW below `low`, HIGH at or above `high`, NORMAL between. */
export function thresholdSignal(
  count: number,
  thresholds: Thresholds,
): ThresholdSignal {
  if (count < thresholds.low) return 'LOW';
  if (count >= thresholds.high) return 'HIGH';
  return 'NORMAL';
}

type LinedRow = SummaryRow & {line: number};

/**
 * Checks that need the whole file: the date column matches the file's date, no group appears twice,
 * and totals equal the sum of their groups (checked only where every group line was valid).
 */
function crossCheck(
  file: string,
  date: string,
  rows: LinedRow[],
  rejectedCount: number,
): {kept: LinedRow[]; bad: DeadLetter[]} {
  const bad: DeadLetter[] = [];
  const seen = new Map<string, number>();
  const kept: LinedRow[] = [];
  for (const row of rows) {
    if (row.date !== date) {
      bad.push({
        file,
        line: row.line,
        reason: `date ${row.date} does not match the file's date ${date}`,
      });
      continue;
    }
    const column = summaryColumnOf(row);
    const first = seen.get(column);
    if (first !== undefined) {
      bad.push({
        file,
        line: row.line,
        reason: `duplicate row for ${column.replace(':', ',')} (first at line ${first})`,
      });
      continue;
    }
    seen.set(column, row.line);
    kept.push(row);
  }
  if (rejectedCount > 0 || bad.length > 0) return {kept, bad};

  const groupCount = new Map<string, number>();
  const groupSum = new Map<string, bigint>();
  let allCount = 0;
  for (const row of kept) {
    if (row.kind !== 'group') continue;
    groupCount.set(
      row.currency,
      (groupCount.get(row.currency) ?? 0) + row.count,
    );
    groupSum.set(
      row.currency,
      (groupSum.get(row.currency) ?? 0n) + row.sumMinor,
    );
    allCount += row.count;
  }
  const consistent: LinedRow[] = [];
  for (const row of kept) {
    if (row.kind === 'currency-total') {
      const count = groupCount.get(row.currency) ?? 0;
      const sum = groupSum.get(row.currency) ?? 0n;
      if (count !== row.count || sum !== row.sumMinor) {
        bad.push({
          file,
          line: row.line,
          reason: `TOTAL,${row.currency} does not match its groups (groups: count ${count}, amount ${formatMinor(sum, row.currency)})`,
        });
        continue;
      }
    } else if (row.kind === 'grand-total' && row.count !== allCount) {
      bad.push({
        file,
        line: row.line,
        reason: `TOTAL,ALL count ${row.count} does not match its groups (${allCount})`,
      });
      continue;
    }
    consistent.push(row);
  }
  return {kept: consistent, bad};
}

/**
 * A summary with a rejected line is a wrong summary: it yields no cells at all (the date is not
 * loaded, and a row loaded before stays as it was), only its dead letters. The daily job holds back
 * a day with a malformed row the same way.
 */
export function dailySummaryLoad(
  file: string,
  date: string,
  text: string,
  thresholds: Thresholds,
): DailySummaryLoad {
  const decoded = decodeSummaryCsv(text);
  const deadLetters: DeadLetter[] = decoded.rejected.map(r => ({
    file,
    line: r.line,
    reason: r.reason,
  }));
  const {kept, bad} = crossCheck(
    file,
    date,
    decoded.rows,
    decoded.rejected.length,
  );
  deadLetters.push(...bad);
  deadLetters.sort((a, b) => a.line - b.line);
  if (kept.length === 0 && deadLetters.length === 0) {
    deadLetters.push({
      file,
      line: 1,
      reason:
        'the file has no data rows (a day without transactions still has a TOTAL,ALL row)',
    });
  }
  const grandTotal = kept.find(row => row.kind === 'grand-total')?.count;
  if (grandTotal === undefined && kept.length > 0)
    deadLetters.push({file, line: 0, reason: 'no valid TOTAL,ALL row'});
  if (deadLetters.length > 0 || grandTotal === undefined)
    return {file, date, deadLetters, validRows: kept.length};
  const cells = summaryCellsOf(
    date,
    kept,
    thresholdSignal(grandTotal, thresholds),
  );
  return {file, date, cells, deadLetters, validRows: kept.length};
}

/** Dead letters as CSV (file,line,reason), the format written under the errors prefix. */
export function encodeDeadLetters(deadLetters: DeadLetter[]): string {
  const quote = (s: string) =>
    /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  return (
    [
      'file,line,reason',
      ...deadLetters.map(d => `${quote(d.file)},${d.line},${quote(d.reason)}`),
    ].join('\n') + '\n'
  );
}
