import Papa from 'papaparse';
import {type Day, isDay, parseDay} from './day';
import {type Currency, formatMinor, isCurrency, parseDecimal} from './money';
import {isTransactionType} from './transaction';

/**
 * The daily summary CSV: written by the daily job, read by the flex template.
 *
 *   date,transaction_type,currency,transaction_count,amount_sum
 *   2026-11-26,purchase,USD,1200,45678.90     one row per (type, currency) group
 *   2026-11-26,TOTAL,USD,1500,50000.00        one total row per currency
 *   2026-11-26,TOTAL,ALL,1800,                the grand total: count only (currencies don't add up)
 *
 * Amounts are exact decimal strings with the currency's minor digits (JPY has none).
 */
const SUMMARY_CSV_COLUMNS = [
  'date',
  'transaction_type',
  'currency',
  'transaction_count',
  'amount_sum',
] as const;
export const TOTAL = 'TOTAL';
const ALL_CURRENCIES = 'ALL';

/** Every summary file name starts with it: list a store with it to find the written days. */
export const SUMMARY_FILE_PREFIX = 'Financial_transaction_daily_summary_';
const FILE_PREFIX = SUMMARY_FILE_PREFIX;
const FILE_PATTERN =
  /^Financial_transaction_daily_summary_(\d{4}-\d{2}-\d{2})\.csv$/;

export function summaryFileName(day: Day): string {
  return `${FILE_PREFIX}${parseDay(day)}.csv`;
}

/**
 * Where a restated day's previous version stays readable: `superseded/<file name>.v<version>.csv`.
 * A subfolder, so listings of summary files (the job's, the flex template's) never take it.
 */
export function supersededFileName(day: Day, version: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(version))
    throw new RangeError(`"${version}" is not an object version`);
  return `superseded/${summaryFileName(day).replace(/\.csv$/, '')}.v${version}.csv`;
}

/** The day of a summary file name (a path's last segment is used), or undefined if it is not one. */
export function dayOfSummaryFile(name: string): Day | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const day = FILE_PATTERN.exec(base)?.[1];
  return day !== undefined && isDay(day) ? day : undefined;
}

export type SummaryRow =
  | {
      kind: 'group';
      date: Day;
      type: string;
      currency: Currency;
      count: number;
      sumMinor: bigint;
    }
  | {
      kind: 'currency-total';
      date: Day;
      currency: Currency;
      count: number;
      sumMinor: bigint;
    }
  | {kind: 'grand-total'; date: Day; count: number};

function toRecord(row: SummaryRow): string[] {
  switch (row.kind) {
    case 'group':
      return [
        row.date,
        row.type,
        row.currency,
        String(row.count),
        formatMinor(row.sumMinor, row.currency),
      ];
    case 'currency-total':
      return [
        row.date,
        TOTAL,
        row.currency,
        String(row.count),
        formatMinor(row.sumMinor, row.currency),
      ];
    case 'grand-total':
      return [row.date, TOTAL, ALL_CURRENCIES, String(row.count), ''];
  }
}

export function encodeSummaryCsv(rows: SummaryRow[]): string {
  return (
    Papa.unparse(
      {fields: [...SUMMARY_CSV_COLUMNS], data: rows.map(toRecord)},
      {newline: '\n'},
    ) + '\n'
  );
}

export interface RejectedLine {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  reason: string;
}

export interface DecodedSummaryCsv {
  rows: Array<SummaryRow & {line: number}>;
  rejected: RejectedLine[];
}

const COUNT_PATTERN = /^(0|[1-9]\d{0,14})$/;

/**
 * One record's fields, in the header's order (decodeSummaryCsv has checked the header).
 * `checkedDay`: a date already found valid in this file (every line of a day's file has the same).
 */
function decodeRecord(
  values: readonly string[],
  line: number,
  checkedDay: string | undefined,
): SummaryRow & {line: number} {
  const [date, type, currency, countText, sum] = values;
  if (date === undefined || (date !== checkedDay && !isDay(date)))
    throw new Error(`date "${date}" is not yyyy-mm-dd`);
  if (countText === undefined || !COUNT_PATTERN.test(countText))
    throw new Error(
      `transaction_count "${countText}" is not a non-negative integer`,
    );
  const count = Number(countText);
  if (type === TOTAL && currency === ALL_CURRENCIES) {
    if (sum !== '')
      throw new Error('amount_sum must be empty on the TOTAL,ALL row');
    return {kind: 'grand-total', date, count, line};
  }
  if (!isCurrency(currency))
    throw new Error(`currency "${currency}" is not supported`);
  if (sum === undefined) throw new Error('amount_sum is missing');
  const sumMinor = parseDecimal(sum, currency);
  if (type === TOTAL)
    return {kind: 'currency-total', date, currency, count, sumMinor, line};
  if (!isTransactionType(type))
    throw new Error(`transaction_type "${type}" is unknown`);
  return {kind: 'group', date, type, currency, count, sumMinor, line};
}

/**
 * Parses a summary CSV, header-aware and strict. Each bad line is rejected with its line number (the
 * line its record starts on, counted in the file as it is: blank lines, lines of only commas and
 * quoted newlines included) and reason; good lines are kept. Records with no content (blank,
 * whitespace or only delimiters) are skipped. A wrong header rejects the whole file (line 1).
 */
export function decodeSummaryCsv(text: string): DecodedSummaryCsv {
  const rows: DecodedSummaryCsv['rows'] = [];
  const rejected: RejectedLine[] = [];
  const body = text.replace(/^\ufeff/, '');
  const parsed = parseRecords(body);
  const header = parsed.data[0] ?? [];
  if (header.join(',') !== SUMMARY_CSV_COLUMNS.join(',')) {
    return {
      rows,
      rejected: [
        {
          line: 1,
          reason: `header must be "${SUMMARY_CSV_COLUMNS.join(',')}", got "${header.join(',')}"`,
        },
      ],
    };
  }
  const problems = new Map<number, string>();
  for (const error of parsed.errors)
    if (error.row !== undefined && !problems.has(error.row))
      problems.set(error.row, error.message);
  // Only a quoted field holds a line end.
  const quoted = body.includes('"');
  let checkedDay: string | undefined;
  let line = 1;
  parsed.data.forEach((values, index) => {
    const recordLine = line;
    // Every record (blank ones too) takes one line, plus the line ends quoted inside its fields.
    line += 1;
    if (quoted)
      for (const value of values)
        for (
          let i = value.indexOf('\n');
          i >= 0;
          i = value.indexOf('\n', i + 1)
        )
          line++;
    if (index === 0 || isBlank(values)) return;
    const parseProblem =
      problems.get(index) ?? fieldCountProblem(values.length, header.length);
    if (parseProblem) {
      rejected.push({line: recordLine, reason: parseProblem});
      return;
    }
    try {
      const row = decodeRecord(values, recordLine, checkedDay);
      checkedDay = row.date;
      rows.push(row);
    } catch (error) {
      rejected.push({line: recordLine, reason: (error as Error).message});
    }
  });
  return {rows, rejected};
}

/**
 * The records of a CSV text, as papaparse parses it. A text without quotes or carriage returns
 * (what the daily job writes) is split on its line ends and commas, which is what papaparse
 * yields for it, at a fraction of the cost per file; any other goes through papaparse.
 */
function parseRecords(body: string): {
  data: string[][];
  errors: Array<{row?: number; message: string}>;
} {
  if (!body.includes('"') && !body.includes('\r'))
    return {data: body.split('\n').map(line => line.split(',')), errors: []};
  return Papa.parse<string[]>(body, {
    header: false,
    skipEmptyLines: false,
    // The format's own delimiter (papaparse would otherwise try five on the first lines of every
    // file); the line end is papaparse's guess, which is always '\n' for a text without '\r'.
    delimiter: ',',
    newline: body.includes('\r') ? undefined : '\n',
  });
}

/** A record with no content: every field empty or whitespace. */
function isBlank(values: readonly string[]): boolean {
  for (const value of values)
    if (value !== '' && value.trim() !== '') return false;
  return true;
}

function fieldCountProblem(got: number, want: number): string | undefined {
  if (got < want)
    return `Too few fields: expected ${want} fields but parsed ${got}`;
  if (got > want)
    return `Too many fields: expected ${want} fields but parsed ${got}`;
  return undefined;
}
