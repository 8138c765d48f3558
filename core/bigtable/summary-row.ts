/**
 * The cell layout of `daily_transactions_summaries_from_csv`: one row per date, loaded from that
 * date's summary CSV.
 *
 * Row key: the date (yyyy-mm-dd). Family `count`: one column per CSV group `<type>:<currency>`,
 * `TOTAL:<currency>` per currency and `TOTAL:ALL`, values decimal integers; plus the column
 * `threshold_signal` (from the TOTAL,ALL count). Family `sum`: the same group and per-currency
 * total columns, values exact decimal strings in the currency's minor digits.
 */
import {startOfDay} from '../day';
import {formatMinor} from '../money';
import type {SummaryTableSchema} from '../resources';
import type {SummaryRow} from '../summary-csv';
import {RawEntry, type RawMutation, setCellMutation} from './raw-entry';
import {
  type EntriesWriter,
  deleteFromFamilyFieldLength,
  entryFieldLength,
  setCellFieldLength,
  writeDeleteFromFamily,
  writeEntryHead,
  writeSetCell,
} from './mutate-rows-wire';
import {nameBytes} from './wire';
import {newestText, type ReadRow} from './read-rows';

export const SIGNAL_COLUMN = 'threshold_signal';
/** In the `count` family too: the version of the summary file the row was loaded from. */
export const SOURCE_VERSION_COLUMN = 'source_version';

/** One date's cells, by family role: `count` goes to the count family, `sum` to the sum family. */
export interface SummaryCells {
  /** Row key: the date. */
  key: string;
  count: Record<string, string>;
  sum: Record<string, string>;
}

/** The column a CSV row is stored in, in both families. */
export function summaryColumnOf(row: SummaryRow): string {
  switch (row.kind) {
    case 'group':
      return `${row.type}:${row.currency}`;
    case 'currency-total':
      return `TOTAL:${row.currency}`;
    case 'grand-total':
      return 'TOTAL:ALL';
  }
}

/** The cells of one date's rows (each column once), with the threshold signal when there is one. */
export function summaryCellsOf(
  date: string,
  rows: readonly SummaryRow[],
  signal: string | undefined,
): SummaryCells {
  const cells: SummaryCells = {key: date, count: {}, sum: {}};
  for (const row of rows) {
    const column = summaryColumnOf(row);
    cells.count[column] = String(row.count);
    if (row.kind !== 'grand-total')
      cells.sum[column] = formatMinor(row.sumMinor, row.currency);
  }
  if (signal !== undefined) cells.count[SIGNAL_COLUMN] = signal;
  return cells;
}

/**
 * One MutateRows entry per date (applied atomically per row). Cells carry the date's midnight as
 * timestamp, so rewriting a date replaces its cells (idempotent) instead of stacking versions.
 * The entry clears both families before writing the file's cells, in order, so reloading a
 * corrected file leaves no column of the old one behind, and a reader never sees a half-written date.
 */
export function summaryRowEntry(
  cells: SummaryCells,
  schema: SummaryTableSchema,
): RawEntry {
  // Built straight from the cells (no CellEntry in between): the flex template writes ~115 a row.
  const timestampMicros = startOfDay(cells.key).getTime() * 1000;
  const {count, sum} = schema.families;
  const mutations: RawMutation[] = [
    {deleteFromFamily: {familyName: count}},
    {deleteFromFamily: {familyName: sum}},
  ];
  for (const column in cells.count)
    mutations.push(
      setCellMutation(count, column, cells.count[column]!, timestampMicros),
    );
  for (const column in cells.sum)
    mutations.push(
      setCellMutation(sum, column, cells.sum[column]!, timestampMicros),
    );
  return new RawEntry(Buffer.from(cells.key), mutations);
}

/** The text's UTF-8 bytes written at `at` (ASCII, every summary value, without a call out); returns the end. */
function writeText(into: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return at - i + into.write(text, at - i);
    into[at++] = code;
  }
  return at;
}

// Reused from row to row: the row's key and values as bytes, each cell's qualifier and family.
let scratch = Buffer.allocUnsafeSlow(64 * 1024);
const qualifiers: Buffer[] = [];
const inSum: boolean[] = [];
let valueEnds = new Uint32Array(1024);

/**
 * summaryRowEntry of one row in MutateRows wire format (the same bytes encodeEntries makes of it),
 * written straight from the cells into `into`, after the entries written there before: no mutation
 * object or Buffer per cell (a flex template row has ~115 cells, and a file's entry would otherwise
 * allocate ~25 KB), and no Buffer per row.
 */
export function encodeSummaryRow(
  cells: SummaryCells,
  schema: SummaryTableSchema,
  into: EntriesWriter,
): void {
  const {count, sum} = schema.families;
  const families = [nameBytes(count), nameBytes(sum)];
  const micros = startOfDay(cells.key).getTime() * 1000;
  // The most bytes the key and values can take (3 per UTF-16 unit), for the scratch buffer.
  let most = cells.key.length * 3;
  let n = 0;
  for (const column of [cells.count, cells.sum])
    for (const qualifier in column) {
      most += column[qualifier]!.length * 3;
      n++;
    }
  if (scratch.length < most) scratch = Buffer.allocUnsafeSlow(most * 2);
  if (valueEnds.length < n) valueEnds = new Uint32Array(n * 2);
  const keyEnd = writeText(scratch, 0, cells.key);
  let at = keyEnd;
  // The entry starts by clearing both families (as summaryRowEntry's).
  let mutationBytes =
    deleteFromFamilyFieldLength(families[0]!.length) +
    deleteFromFamilyFieldLength(families[1]!.length);
  let c = 0;
  for (let f = 0; f < 2; f++) {
    const column = f === 0 ? cells.count : cells.sum;
    for (const qualifier in column) {
      const start = at;
      at = writeText(scratch, at, column[qualifier]!);
      const name = nameBytes(qualifier);
      mutationBytes += setCellFieldLength(
        families[f]!.length,
        name.length,
        micros,
        at - start,
      );
      qualifiers[c] = name;
      inSum[c] = f === 1;
      valueEnds[c++] = at;
    }
  }
  const total = entryFieldLength(keyEnd, mutationBytes);
  const out = into.entry(total);
  writeEntryHead(out, mutationBytes, scratch, 0, keyEnd);
  writeDeleteFromFamily(out, families[0]!);
  writeDeleteFromFamily(out, families[1]!);
  let start = keyEnd;
  for (let i = 0; i < c; i++) {
    writeSetCell(
      out,
      families[inSum[i] ? 1 : 0]!,
      qualifiers[i]!,
      micros,
      scratch,
      start,
      valueEnds[i]!,
    );
    start = valueEnds[i]!;
  }
  qualifiers.length = 0;
  into.end(out);
}

/** A stored row back as cells (the newest cell of each column). */
export function decodeSummaryRow(
  row: ReadRow,
  schema: SummaryTableSchema,
): SummaryCells {
  const family = (name: string) => {
    const columns = row.data[name] ?? {};
    return Object.fromEntries(
      Object.keys(columns).map(column => [
        column,
        newestText(columns, column)!,
      ]),
    );
  };
  return {
    key: row.id,
    count: family(schema.families.count),
    sum: family(schema.families.sum),
  };
}

/**
 * The read filter that keeps, of each row, only its `count:threshold_signal` and
 * `count:source_version` cells: a row with its signal is a loaded date (a row is written in one
 * entry, so one with its signal holds a whole file's cells), loaded from that file version.
 */
export function loadedDateFilter(schema: SummaryTableSchema) {
  return [
    {family: schema.families.count},
    {column: new RegExp(`^(${SIGNAL_COLUMN}|${SOURCE_VERSION_COLUMN})$`)},
    {column: {cellLimit: 1}},
  ];
}

/** What loadedDateFilter kept of a row: whether the date is loaded, and from which file version. */
export function loadedDateOf(
  row: ReadRow,
  schema: SummaryTableSchema,
): {loaded: boolean; version: string | undefined} {
  const columns = row.data[schema.families.count];
  return {
    loaded: newestText(columns, SIGNAL_COLUMN) !== undefined,
    version: newestText(columns, SOURCE_VERSION_COLUMN),
  };
}
