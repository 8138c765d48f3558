import {randomUUID} from 'node:crypto';
import type {Table} from '@google-cloud/bigtable';
import type {StateTableSchema} from '../resources';
import {newestText} from './read-rows';

/**
 * The `pipeline_state` table: small named cursors of pipeline bookkeeping, each one text value in
 * one column of its own row, so readers of Bigtable never need Cloud SQL. A cursor is written as a
 * plain value (the newest cell wins); what a value means is up to its owner.
 */
export interface StateCursor {
  row: string;
  column: string;
}

export async function writeCursor(
  state: Table,
  schema: StateTableSchema,
  cursor: StateCursor,
  value: string,
): Promise<void> {
  await state.insert([
    {
      key: cursor.row,
      data: {
        [schema.families.state]: {
          [cursor.column]: {value, timestamp: new Date()},
        },
      },
    },
  ]);
}

/** The cursor's value, or undefined if it was never written. */
export async function readCursor(
  state: Table,
  schema: StateTableSchema,
  cursor: StateCursor,
): Promise<string | undefined> {
  const [rows] = await state.getRows({
    keys: [cursor.row],
    filter: [{column: {cellLimit: 1}}],
  });
  return newestText(rows[0]?.data?.[schema.families.state], cursor.column);
}

/**
 * The replication watermark: every transaction that occurred before it is in Bigtable.
 * pubsubReplicate records it after each run; httpGenerate lowers it to a slot before that slot's
 * rows can commit; the daily job summarizes a day only once the watermark has passed the day's end.
 *
 * Every pipeline write is a compare-and-set on a `version` cell beside it (a fresh UUID per
 * write), so a replicator whose SQL read is older than a generation's lowering can never write
 * over that lowering: it reads the version BEFORE its SQL read, and a lowering in between changes
 * the version. Written as a plain value, not forced upward: a lower value after a backfill is the truth.
 */
export const WATERMARK: StateCursor = {
  row: 'replication_watermark',
  column: 'watermark',
};
const WATERMARK_VERSION: StateCursor = {row: WATERMARK.row, column: 'version'};

/** A cursor whose value is an instant (ISO text). */
export async function writeInstantCursor(
  state: Table,
  schema: StateTableSchema,
  cursor: StateCursor,
  at: Date,
): Promise<void> {
  await writeCursor(state, schema, cursor, at.toISOString());
}

/** The instant a cursor holds, or undefined if it was never written; throws if it holds anything else. */
export async function readInstantCursor(
  state: Table,
  schema: StateTableSchema,
  cursor: StateCursor,
): Promise<Date | undefined> {
  return parseInstant(cursor, await readCursor(state, schema, cursor));
}

function parseInstant(
  cursor: StateCursor,
  value: string | undefined,
): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new Error(`${cursor.row} holds "${value}", not a timestamp`);
  return at;
}

export interface StoredWatermark {
  watermark: Date | undefined;
  /** Undefined when nothing was ever written. */
  version: string | undefined;
  /** The newest cell's timestamp (ms): a write stamps its cells later than this, whatever its clock. */
  writtenAtMs: number;
}

export async function readStoredWatermark(
  state: Table,
  schema: StateTableSchema,
): Promise<StoredWatermark> {
  const [rows] = await state.getRows({
    keys: [WATERMARK.row],
    filter: [{column: {cellLimit: 1}}],
  });
  const columns = rows[0]?.data?.[schema.families.state];
  const micros = [WATERMARK.column, WATERMARK_VERSION.column].map(column =>
    Number(columns?.[column]?.[0]?.timestamp ?? 0),
  );
  return {
    watermark: parseInstant(WATERMARK, newestText(columns, WATERMARK.column)),
    version: newestText(columns, WATERMARK_VERSION.column),
    writtenAtMs: Math.floor(Math.max(...micros) / 1000),
  };
}

export function readWatermark(
  state: Table,
  schema: StateTableSchema,
): Promise<Date | undefined> {
  return readInstantCursor(state, schema, WATERMARK);
}

function watermarkCells(
  schema: StateTableSchema,
  watermark: Date,
  writtenAtMs: number,
) {
  const timestamp = new Date(Math.max(Date.now(), writtenAtMs + 1));
  return {
    [schema.families.state]: {
      [WATERMARK.column]: {value: watermark.toISOString(), timestamp},
      [WATERMARK_VERSION.column]: {value: randomUUID(), timestamp},
    },
  };
}

/**
 * Writes `watermark` only if the stored version is still `read.version`; false if another writer
 * came in between (read again, recompute, try again).
 */
export async function replaceWatermark(
  state: Table,
  schema: StateTableSchema,
  read: StoredWatermark,
  watermark: Date,
): Promise<boolean> {
  const mutation = [
    {
      method: 'insert',
      data: watermarkCells(schema, watermark, read.writtenAtMs),
    },
  ];
  const newest = [
    {family: schema.families.state},
    {column: WATERMARK_VERSION.column},
    {column: {cellLimit: 1}},
  ];
  if (read.version === undefined) {
    const [matched] = await state
      .row(WATERMARK.row)
      .filter(newest, {onNoMatch: mutation});
    return matched === false;
  }
  // A UUID is hex and dashes: safe as the value filter's regular expression.
  const [matched] = await state
    .row(WATERMARK.row)
    .filter([...newest, {value: read.version}], {onMatch: mutation});
  return matched === true;
}

/** Unconditional write (test set-up and tools; the pipeline itself uses replaceWatermark). */
export async function recordWatermark(
  state: Table,
  schema: StateTableSchema,
  watermark: Date,
): Promise<void> {
  const read = await readStoredWatermark(state, schema);
  await state.insert([
    {
      key: WATERMARK.row,
      data: watermarkCells(schema, watermark, read.writtenAtMs),
    },
  ]);
}

const MAX_LOWERING_ATTEMPTS = 10;

/**
 * Lowers the stored watermark to `to` unless it is already there or below (or none was ever
 * written, which holds every day back anyway). Returns the value it replaced, if it lowered.
 */
export async function lowerWatermark(
  state: Table,
  schema: StateTableSchema,
  to: Date,
): Promise<Date | undefined> {
  for (let attempt = 1; attempt <= MAX_LOWERING_ATTEMPTS; attempt++) {
    const read = await readStoredWatermark(state, schema);
    if (read.watermark === undefined || read.watermark <= to) return undefined;
    if (await replaceWatermark(state, schema, read, to)) return read.watermark;
  }
  throw new Error(
    `could not lower ${WATERMARK.row} to ${to.toISOString()}: ${MAX_LOWERING_ATTEMPTS} concurrent writes in a row`,
  );
}
