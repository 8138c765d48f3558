import type {RawEntry} from './mutate-entries';
import {nameBytes} from './data-channel';
import {
  LEN,
  VARINT,
  WireReader,
  WireWriter,
  fieldLength,
  varintLength,
} from './wire';

/**
 * MutateRowsRequest and MutateRowsResponse in protobuf's wire format (google/bigtable/v2
 * bigtable.proto and data.proto), written into one buffer sized beforehand: no message object per
 * entry, mutation or cell, no copy per value.
 */

/** The size of a mutation's one field (SetCell or DeleteFromFamily), without its own head. */
function innerLength(mutation: RawEntry['mutations'][number]): number {
  if ('setCell' in mutation) {
    const cell = mutation.setCell;
    return (
      fieldLength(nameBytes(cell.familyName).length) + // family_name = 1
      fieldLength(cell.columnQualifier.length) + // column_qualifier = 2
      1 +
      varintLength(cell.timestampMicros) + // timestamp_micros = 3
      fieldLength(cell.value.length) // value = 4
    );
  }
  return fieldLength(nameBytes(mutation.deleteFromFamily.familyName).length);
}

/** The request of these entries for one table: entries in order, each applied atomically. */
export function encodeMutateRowsRequest(
  tableName: string,
  entries: readonly RawEntry[],
  appProfileId?: string,
): Buffer {
  const name = Buffer.from(tableName);
  const profile = appProfileId ? Buffer.from(appProfileId) : undefined;
  const entryLengths = new Array<number>(entries.length);
  const innerLengths: number[] = [];
  let total =
    fieldLength(name.length) + (profile ? fieldLength(profile.length) : 0);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    let length = fieldLength(entry.rowKey.length);
    for (const mutation of entry.mutations) {
      const inner = innerLength(mutation);
      innerLengths.push(inner);
      length += fieldLength(fieldLength(inner));
    }
    entryLengths[i] = length;
    total += fieldLength(length);
  }
  const out = new WireWriter(Buffer.allocUnsafe(total));
  out.bytes(1, name); // table_name
  if (profile) out.bytes(3, profile); // app_profile_id
  let m = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    out.head(2, entryLengths[i]!); // entries
    out.bytes(1, entry.rowKey); // Entry.row_key
    for (const mutation of entry.mutations) {
      const inner = innerLengths[m++]!;
      out.head(2, fieldLength(inner)); // Entry.mutations
      if ('setCell' in mutation) {
        const cell = mutation.setCell;
        out.head(1, inner); // Mutation.set_cell
        out.bytes(1, nameBytes(cell.familyName));
        out.bytes(2, cell.columnQualifier);
        out.varintField(3, cell.timestampMicros);
        out.bytes(4, cell.value);
      } else {
        out.head(3, inner); // Mutation.delete_from_family
        out.bytes(1, nameBytes(mutation.deleteFromFamily.familyName));
      }
    }
  }
  if (out.written !== total)
    throw new Error(
      `MutateRows request sized ${total}, written ${out.written}`,
    );
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
