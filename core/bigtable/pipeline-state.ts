import type { Table } from '@google-cloud/bigtable';
import type { StateTableSchema } from '../resources';
import { newestText } from './read-rows';

/**
 * The `pipeline_state` table: small named cursors of pipeline bookkeeping, each one text value in
 * one column of its own row, so readers of Bigtable never need Cloud SQL. A cursor is written as a
 * plain value (the newest cell wins); what a value means is up to its owner.
 */
export interface StateCursor {
  row: string;
  column: string;
}

export async function writeCursor(state: Table, schema: StateTableSchema, cursor: StateCursor, value: string): Promise<void> {
  await state.insert([{ key: cursor.row, data: { [schema.families.state]: { [cursor.column]: { value, timestamp: new Date() } } } }]);
}

/** The cursor's value, or undefined if it was never written. */
export async function readCursor(state: Table, schema: StateTableSchema, cursor: StateCursor): Promise<string | undefined> {
  const [rows] = await state.getRows({ keys: [cursor.row], filter: [{ column: { cellLimit: 1 } }] });
  return newestText(rows[0]?.data?.[schema.families.state], cursor.column);
}

/**
 * The replication watermark: every transaction that occurred before it is in Bigtable.
 * pubsubReplicate records it after each run; the daily job summarizes a day only once the
 * watermark has passed the day's end.
 *
 * Written as a plain value (not forced upward): a replicator computes it from what is still unsent,
 * so a lower value after a backfill is the truth, and a stale lower value only holds days back.
 */
export const WATERMARK: StateCursor = { row: 'replication_watermark', column: 'watermark' };

/** A cursor whose value is an instant (ISO text). */
export async function writeInstantCursor(state: Table, schema: StateTableSchema, cursor: StateCursor, at: Date): Promise<void> {
  await writeCursor(state, schema, cursor, at.toISOString());
}

/** The instant a cursor holds, or undefined if it was never written; throws if it holds anything else. */
export async function readInstantCursor(state: Table, schema: StateTableSchema, cursor: StateCursor): Promise<Date | undefined> {
  const value = await readCursor(state, schema, cursor);
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new Error(`${cursor.row} holds "${value}", not a timestamp`);
  return at;
}

export async function recordWatermark(state: Table, schema: StateTableSchema, watermark: Date): Promise<void> {
  await writeInstantCursor(state, schema, WATERMARK, watermark);
}

export function readWatermark(state: Table, schema: StateTableSchema): Promise<Date | undefined> {
  return readInstantCursor(state, schema, WATERMARK);
}
