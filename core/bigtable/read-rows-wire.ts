import type {ReadRow} from './read-rows';
import {LEN, VARINT, WireReader, lengthDelimited} from './wire';

/**
 * The ReadRows messages in protobuf's wire format, written and read here instead of through the
 * client's generated objects: a row read that way costs a small fraction of the CPU (no object per
 * chunk, no Buffer per value, no stream per row). Field numbers are those of
 * google/bigtable/v2/bigtable.proto and data.proto.
 */

/** A row range, start inclusive unless `startOpen`, end exclusive. */
export interface WireRange {
  start: Buffer;
  startOpen?: boolean;
  end: Buffer;
}

/**
 * A ReadRowsRequest for the ranges of one table, with the filter every read of this project
 * uses: the newest cell of each column (`cells_per_column_limit_filter: 1`).
 */
export function encodeReadRowsRequest(
  tableName: string,
  ranges: readonly WireRange[],
  appProfileId?: string,
): Buffer {
  const rowSet = Buffer.concat(
    ranges.map(range =>
      lengthDelimited(
        2, // RowSet.row_ranges
        Buffer.concat([
          // RowRange.start_key_open = 2, start_key_closed = 1; end_key_open = 3
          lengthDelimited(range.startOpen ? 2 : 1, range.start),
          lengthDelimited(3, range.end),
        ]),
      ),
    ),
  );
  const newestCellOnly = Buffer.from([(12 << 3) | VARINT, 1]); // RowFilter.cells_per_column_limit_filter
  return Buffer.concat([
    lengthDelimited(1, Buffer.from(tableName)), // table_name
    lengthDelimited(2, rowSet), // rows
    lengthDelimited(3, newestCellOnly), // filter
    ...(appProfileId
      ? [lengthDelimited(5, Buffer.from(appProfileId))] // app_profile_id
      : []),
  ]);
}

export class ReadRowsProtocolError extends Error {
  override name = 'ReadRowsProtocolError';
}

type Cells = ReadRow['data'][string][string];

/**
 * Merges the chunks of a ReadRows stream into rows, as the API defines them: a chunk with a row
 * key starts a row, a family name starts a family, a qualifier a column; a cell's value may be
 * split over chunks (`value_size` > 0 on every part but the last); `reset_row` drops the row so
 * far and `commit_row` completes it. Rows come out in key order, each exactly once; the merger
 * keeps only the row in progress.
 */
export class RowMerger {
  /** The key of the last row committed (the point a retried read resumes after). */
  lastRowKey: Buffer | undefined;

  private rowKey: Buffer | undefined;
  private row: ReadRow | undefined;
  private family = '';
  private cells: Cells | undefined;
  private parts: Buffer[] = [];
  private splitting = false;
  private splitTimestamp = 0;
  private readonly names = new NameCache();

  constructor(private readonly onRow: (row: ReadRow) => void) {}

  /** Forgets the row in progress: a new attempt sends it again from its start. */
  reset(): void {
    this.rowKey = undefined;
    this.row = undefined;
    this.cells = undefined;
    this.parts = [];
    this.splitting = false;
  }

  /** One ReadRowsResponse: its completed rows go to `onRow`, in order. */
  push(response: Uint8Array): void {
    const reader = new WireReader(response);
    while (reader.more()) {
      const tag = reader.varint();
      if (tag === ((1 << 3) | LEN)) {
        const length = reader.varint();
        this.chunk(reader, reader.position + length);
      } else reader.skip(tag & 7);
    }
  }

  private chunk(reader: WireReader, end: number): void {
    let rowKey: Buffer | undefined;
    let family: string | undefined;
    let qualifier: string | undefined;
    let timestamp = 0;
    let valueStart = 0;
    let valueEnd = 0;
    let valueSize = 0;
    let resetRow = false;
    let commitRow = false;
    while (reader.position < end) {
      const tag = reader.varint();
      switch (tag) {
        case (1 << 3) | LEN: {
          const length = reader.varint();
          if (length > 0) rowKey = reader.bytes(length);
          break;
        }
        case (2 << 3) | LEN:
          family = reader.wrappedText(this.names);
          break;
        case (3 << 3) | LEN:
          qualifier = reader.wrappedText(this.names);
          break;
        case (4 << 3) | VARINT:
          timestamp = reader.varint();
          break;
        case (6 << 3) | LEN: {
          const length = reader.varint();
          valueStart = reader.position;
          valueEnd = valueStart + length;
          reader.position = valueEnd;
          break;
        }
        case (7 << 3) | VARINT:
          valueSize = reader.varint();
          break;
        case (8 << 3) | VARINT:
          resetRow = reader.varint() !== 0;
          break;
        case (9 << 3) | VARINT:
          commitRow = reader.varint() !== 0;
          break;
        default:
          reader.skip(tag & 7); // labels (5) and any field added later
      }
    }
    if (resetRow) {
      if (this.row === undefined || rowKey || family !== undefined)
        throw new ReadRowsProtocolError(
          'reset_row outside a row, or with other fields',
        );
      this.reset();
      return;
    }
    if (this.row === undefined) {
      if (!rowKey)
        throw new ReadRowsProtocolError('a chunk before any row key');
      if (this.lastRowKey && Buffer.compare(rowKey, this.lastRowKey) <= 0)
        throw new ReadRowsProtocolError('row keys out of order');
      if (family === undefined)
        throw new ReadRowsProtocolError('a new row without a family name');
      this.rowKey = rowKey;
      this.row = {id: rowKey.toString('utf8'), data: {}};
    } else if (rowKey && !rowKey.equals(this.rowKey!))
      throw new ReadRowsProtocolError('a new row key before commit_row');
    const row = this.row;
    if (family !== undefined) {
      if (qualifier === undefined)
        throw new ReadRowsProtocolError('a family name without a qualifier');
      this.family = family;
    }
    if (qualifier !== undefined)
      this.cells = (row.data[this.family] ??= {})[qualifier] ??= [];
    if (this.splitting) {
      // The next part of a split value: only its bytes count, the cell's other fields came first.
      this.parts.push(reader.slice(valueStart, valueEnd));
      if (valueSize === 0) {
        this.cells!.push({
          value: Buffer.concat(this.parts).toString('utf8'),
          timestamp: this.splitTimestamp,
        });
        this.parts = [];
        this.splitting = false;
      }
    } else if (valueSize > 0) {
      this.splitting = true;
      this.splitTimestamp = timestamp;
      this.parts = [reader.slice(valueStart, valueEnd)];
    } else {
      // Every other chunk is a cell of its own, an empty one included (a bare commit_row too).
      this.cells!.push({value: reader.text(valueStart, valueEnd), timestamp});
    }
    if (commitRow) {
      if (this.splitting)
        throw new ReadRowsProtocolError('commit_row inside a split value');
      this.lastRowKey = this.rowKey;
      this.row = undefined;
      this.cells = undefined;
      this.onRow(row);
    }
  }

  /** True between a row's first chunk and its commit. */
  get inRow(): boolean {
    return this.row !== undefined;
  }
}

/** The texts of the few byte strings a table's rows repeat (families, qualifiers), made once each. */
class NameCache {
  private readonly names: Array<{bytes: Buffer; text: string}> = [];

  textOf(buffer: Buffer, start: number, end: number): string {
    const length = end - start;
    for (const name of this.names) {
      const bytes = name.bytes;
      if (bytes.length !== length) continue;
      let i = 0;
      while (i < length && bytes[i] === buffer[start + i]) i++;
      if (i === length) return name.text;
    }
    const text = buffer.toString('utf8', start, end);
    if (this.names.length < 64)
      this.names.push({bytes: Buffer.from(buffer.subarray(start, end)), text});
    return text;
  }
}
