/** A row as the Node Bigtable client returns it: `data[family][qualifier]` is a list of cells, newest first. */
export interface ReadRow {
  id: string;
  data: Record<
    string,
    Record<string, Array<{value: string | Buffer; timestamp?: string | number}>>
  >;
}

/** The columns of one family of a read row. */
export type ReadFamily = ReadRow['data'][string];

export interface RowRange {
  /** Inclusive. */
  start: string;
  /** Exclusive. */
  end: string;
}

/**
 * Only the newest cell of each column: the emulator does not apply GC policies, and a row that was
 * written twice must count once with its latest values.
 */
export const NEWEST_CELL = [{column: {cellLimit: 1}}];

/** The newest cell of a column as text (the client hands out strings or bytes), or undefined. */
export function newestText(
  family: ReadFamily | undefined,
  qualifier: string,
): string | undefined {
  const value = family?.[qualifier]?.[0]?.value;
  return value === undefined || typeof value === 'string'
    ? value
    : value.toString('utf8');
}
