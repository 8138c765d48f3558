import type {RawEntry} from './raw-entry';
import {
  LEN,
  VARINT,
  WireReader,
  WireWriter,
  fieldLength,
  nameBytes,
  varintLength,
} from './wire';

/**
 * MutateRowsRequest and MutateRowsResponse in protobuf's wire format (google/bigtable/v2
 * bigtable.proto and data.proto): entries written into one buffer sized beforehand, no message
 * object per entry, mutation or cell.
 */

/**
 * MutateRows entries already in wire format: entry i is `entryBytes(entries, i)`, one whole
 * `entries` field of a MutateRowsRequest (its tag and length included), so a request is its
 * header and any of these ranges laid end to end, and a retry sends the refused ranges again
 * without encoding anything twice.
 */
export interface EncodedEntries {
  readonly bytes: Buffer;
  /** Where each entry ends in `bytes`; entry i starts where entry i - 1 ends (0 for the first). */
  readonly ends: Uint32Array;
}

export const entryStart = (entries: EncodedEntries, i: number): number =>
  i === 0 ? 0 : entries.ends[i - 1]!;

export const entryBytes = (entries: EncodedEntries, i: number): Buffer =>
  entries.bytes.subarray(entryStart(entries, i), entries.ends[i]!);

/** Entries `start` to `end` (exclusive) of `entries`, as entries of their own (a view of the bytes). */
export function sliceEntries(
  entries: EncodedEntries,
  start: number,
  end: number,
): EncodedEntries {
  end = Math.min(end, entries.ends.length);
  const from = entryStart(entries, start);
  const ends = entries.ends.slice(start, end);
  for (let i = 0; i < ends.length; i++) ends[i] = ends[i]! - from;
  return {
    bytes: entries.bytes.subarray(from, from + (ends.at(-1) ?? 0)),
    ends,
  };
}

/**
 * Entries written one after another into one buffer kept from request to request, and taken as a
 * request's EncodedEntries in memory of their own (`bytes.buffer` and `ends.buffer` hold exactly
 * them), so they can be handed to another thread without a copy. No buffer per entry: a flex
 * template row made its own Buffer and ends, kept until its request was sent (bench/README.md,
 * flex-load-memory).
 */
export class EntriesWriter {
  private buffer = Buffer.allocUnsafeSlow(64 * 1024);
  private ends = new Uint32Array(64);
  private count = 0;
  private length = 0;

  /** Entries written since the last take(). */
  get size(): number {
    return this.count;
  }

  /**
   * A writer for the next entry, which must be exactly `length` bytes (the whole `entries`
   * field: entryFieldLength); end() checks it.
   */
  entry(length: number): WireWriter {
    const needed = this.length + length;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafeSlow(
        Math.max(needed, this.buffer.length * 2),
      );
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    return new WireWriter(this.buffer.subarray(this.length, needed));
  }

  /** Closes the entry `entry(length)` opened, once `out` has written it all. */
  end(out: WireWriter): void {
    const sized = out.buffer.length;
    checkedEnds(this.ends, sized, out.written);
    this.ends[this.count++] = this.length += sized;
  }

  /** The entries written so far, in memory of their own; the writer starts empty again. */
  take(): EncodedEntries {
    const bytes = Buffer.allocUnsafeSlow(this.length);
    this.buffer.copy(bytes, 0, 0, this.length);
    const ends = this.ends.slice(0, this.count);
    this.count = 0;
    this.length = 0;
    return {bytes, ends};
  }
}

/** The row key of entry i (for messages: a view of the bytes). */
export function entryRowKey(entries: EncodedEntries, i: number): Buffer {
  const reader = new WireReader(entryBytes(entries, i));
  reader.varint(); // Request.entries' tag
  reader.varint(); // and length
  reader.varint(); // Entry.row_key's tag, first in every entry written here
  const length = reader.varint();
  return reader.slice(reader.position, reader.position + length);
}

/** The size of an Entry.mutations field holding one SetCell of these sizes. */
export function setCellFieldLength(
  familyBytes: number,
  qualifierBytes: number,
  timestampMicros: number,
  valueBytes: number,
): number {
  return fieldLength(
    fieldLength(
      setCellLength(familyBytes, qualifierBytes, timestampMicros, valueBytes),
    ),
  );
}

function setCellLength(
  familyBytes: number,
  qualifierBytes: number,
  timestampMicros: number,
  valueBytes: number,
): number {
  return (
    fieldLength(familyBytes) + // family_name = 1
    fieldLength(qualifierBytes) + // column_qualifier = 2
    1 +
    varintLength(timestampMicros) + // timestamp_micros = 3
    fieldLength(valueBytes) // value = 4
  );
}

/** Writes an Entry.mutations field holding one SetCell, its value `value[start, end)`. */
export function writeSetCell(
  out: WireWriter,
  family: Uint8Array,
  qualifier: Uint8Array,
  timestampMicros: number,
  value: Uint8Array,
  start: number,
  end: number,
): void {
  const inner = setCellLength(
    family.length,
    qualifier.length,
    timestampMicros,
    end - start,
  );
  out.head(2, fieldLength(inner)); // Entry.mutations
  out.head(1, inner); // Mutation.set_cell
  out.bytes(1, family);
  out.bytes(2, qualifier);
  out.varintField(3, timestampMicros);
  out.bytesOf(4, value, start, end);
}

/** The size of a Request.entries field whose entry has this key and mutations of `mutationBytes` in all. */
export const entryFieldLength = (keyBytes: number, mutationBytes: number) =>
  fieldLength(fieldLength(keyBytes) + mutationBytes);

/** Writes a Request.entries field's head and its row key `key[start, end)`: its mutations follow. */
export function writeEntryHead(
  out: WireWriter,
  mutationBytes: number,
  key: Uint8Array,
  start: number,
  end: number,
): void {
  out.head(2, fieldLength(end - start) + mutationBytes); // Request.entries
  out.bytesOf(1, key, start, end); // Entry.row_key
}

/** The size of an Entry.mutations field holding one DeleteFromFamily of a family of this size. */
export const deleteFromFamilyFieldLength = (familyBytes: number) =>
  fieldLength(fieldLength(fieldLength(familyBytes)));

/** Writes an Entry.mutations field holding one DeleteFromFamily. */
export function writeDeleteFromFamily(
  out: WireWriter,
  family: Uint8Array,
): void {
  out.head(2, fieldLength(fieldLength(family.length))); // Entry.mutations
  out.head(3, fieldLength(family.length)); // Mutation.delete_from_family
  out.bytes(1, family);
}

function mutationFieldLength(mutation: RawEntry['mutations'][number]): number {
  if ('setCell' in mutation) {
    const cell = mutation.setCell;
    return setCellFieldLength(
      nameBytes(cell.familyName).length,
      cell.columnQualifier.length,
      cell.timestampMicros,
      cell.value.length,
    );
  }
  return deleteFromFamilyFieldLength(
    nameBytes(mutation.deleteFromFamily.familyName).length,
  );
}

/** The entries in wire format, in order (each applied atomically). */
export function encodeEntries(entries: readonly RawEntry[]): EncodedEntries {
  const mutationBytes = new Array<number>(entries.length);
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    let length = 0;
    for (const mutation of entry.mutations)
      length += mutationFieldLength(mutation);
    mutationBytes[i] = length;
    total += entryFieldLength(entry.rowKey.length, length);
  }
  const out = new WireWriter(Buffer.allocUnsafe(total));
  const ends = new Uint32Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    writeEntryHead(
      out,
      mutationBytes[i]!,
      entry.rowKey,
      0,
      entry.rowKey.length,
    );
    for (const mutation of entry.mutations) {
      if ('setCell' in mutation) {
        const cell = mutation.setCell;
        writeSetCell(
          out,
          nameBytes(cell.familyName),
          cell.columnQualifier,
          cell.timestampMicros,
          cell.value,
          0,
          cell.value.length,
        );
      } else
        writeDeleteFromFamily(
          out,
          nameBytes(mutation.deleteFromFamily.familyName),
        );
    }
    ends[i] = out.written;
  }
  return {bytes: out.buffer, ends: checkedEnds(ends, total, out.written)};
}

/** The ends of entries written into a buffer sized `sized`, refused if the sizing was wrong. */
export function checkedEnds(
  ends: Uint32Array,
  sized: number,
  written: number,
): Uint32Array {
  if (written !== sized)
    throw new Error(`MutateRows entries sized ${sized}, written ${written}`);
  return ends;
}

/**
 * The request for one table of the given entries (all of them, in order, unless `only` names
 * some by index).
 */
export function encodeMutateRowsRequest(
  tableName: string,
  entries: EncodedEntries,
  only?: readonly number[],
  appProfileId?: string,
): Buffer {
  const name = Buffer.from(tableName);
  const profile = appProfileId ? Buffer.from(appProfileId) : undefined;
  const headLength =
    fieldLength(name.length) + (profile ? fieldLength(profile.length) : 0);
  let bodyLength = entries.bytes.length;
  if (only) {
    bodyLength = 0;
    for (const i of only)
      bodyLength += entries.ends[i]! - entryStart(entries, i);
  }
  const out = new WireWriter(Buffer.allocUnsafe(headLength + bodyLength));
  out.bytes(1, name); // table_name
  if (profile) out.bytes(3, profile); // app_profile_id
  if (!only) out.copy(entries.bytes, 0, entries.bytes.length);
  else
    for (const i of only)
      out.copy(entries.bytes, entryStart(entries, i), entries.ends[i]!);
  return out.buffer;
}

/** One entry's outcome in a MutateRowsResponse: its index in the request and its status. */
export interface EntryStatus {
  index: number;
  code: number;
  message: string;
}

/** The entry statuses of one MutateRowsResponse (a call streams several). */
export function decodeMutateRowsResponse(bytes: Uint8Array): EntryStatus[] {
  const reader = new WireReader(bytes);
  const statuses: EntryStatus[] = [];
  while (reader.more()) {
    const tag = reader.varint();
    if (tag !== ((1 << 3) | LEN)) {
      reader.skip(tag & 7); // rate_limit_info and any field added later
      continue;
    }
    const end = reader.position + reader.varint();
    const status: EntryStatus = {index: 0, code: 0, message: ''};
    while (reader.position < end) {
      const field = reader.varint();
      if (field === ((1 << 3) | VARINT)) status.index = reader.varint();
      else if (field === ((2 << 3) | LEN)) {
        const statusEnd = reader.position + reader.varint();
        while (reader.position < statusEnd) {
          const inner = reader.varint();
          if (inner === ((1 << 3) | VARINT)) status.code = reader.varint();
          else if (inner === ((2 << 3) | LEN)) {
            const length = reader.varint();
            status.message = reader.text(
              reader.position,
              reader.position + length,
            );
            reader.position += length;
          } else reader.skip(inner & 7);
        }
      } else reader.skip(field & 7);
    }
    statuses.push(status);
  }
  return statuses;
}
