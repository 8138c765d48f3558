import {nameBytes} from './wire';

/**
 * MutateRows entries in the shape of the API's messages, built directly. No client is loaded here
 * (the flex template's main thread encodes rows with these and never loads one); they are written
 * by mutate-entries.ts.
 */

/** A row to write: `data[family][qualifier]` is one cell with its own timestamp. */
export interface CellEntry {
  key: string;
  data: Record<string, Record<string, {value: string; timestamp: Date}>>;
}

type SetCell = {
  setCell: {
    familyName: string;
    columnQualifier: Buffer;
    timestampMicros: number;
    /** A Buffer or any view of bytes: the encoder copies them into the request either way. */
    value: Uint8Array;
  };
};
type DeleteFromFamily = {deleteFromFamily: {familyName: string}};
export type RawMutation = SetCell | DeleteFromFamily;

/** A MutateRows entry: a row key and its mutations, applied atomically and in order. */
export class RawEntry {
  constructor(
    readonly rowKey: Buffer,
    readonly mutations: RawMutation[],
  ) {}
}

/**
 * The entry as SetCell mutations, exactly what the client's own `insert` produces from it
 * (qualifier and value as UTF-8 bytes, the cell timestamp in microseconds), after a
 * DeleteFromFamily for each of `clearFirst` (one entry is applied atomically and in order).
 */
export function toRawEntry(
  entry: CellEntry,
  clearFirst: readonly string[] = [],
): RawEntry {
  const mutations: RawMutation[] = clearFirst.map(familyName => ({
    deleteFromFamily: {familyName},
  }));
  for (const familyName in entry.data) {
    const columns = entry.data[familyName]!;
    for (const qualifier in columns) {
      const cell = columns[qualifier]!;
      mutations.push(
        setCellMutation(
          familyName,
          qualifier,
          cell.value,
          cell.timestamp.getTime() * 1000,
        ),
      );
    }
  }
  return new RawEntry(Buffer.from(entry.key), mutations);
}

/** One SetCell as the client's own `insert` makes it: qualifier and value as UTF-8 bytes. */
export function setCellMutation(
  familyName: string,
  qualifier: string,
  value: string,
  timestampMicros: number,
): RawMutation {
  return {
    setCell: {
      familyName,
      columnQualifier: nameBytes(qualifier),
      timestampMicros,
      value: Buffer.from(value),
    },
  };
}
