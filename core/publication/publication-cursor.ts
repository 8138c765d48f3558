import type { Table } from '@google-cloud/bigtable';
import type { StateTableSchema } from '../resources';

/**
 * The publication cursor in `pipeline_state`: every transaction that occurred before it has been
 * published (or quarantined). A run publishes [cursor, watermark) and then sets the cursor to the
 * watermark it read, so the cursor never passes the watermark; when the watermark moves back, or a
 * replicated span starts before the cursor (a backfilled hour), the run starts from there instead.
 */
export const CURSOR_ROW = 'publication_cursor';
const CURSOR_COLUMN = 'cursor';

export async function writePublicationCursor(state: Table, schema: StateTableSchema, cursor: Date): Promise<void> {
  await state.insert([{ key: CURSOR_ROW, data: { [schema.families.state]: { [CURSOR_COLUMN]: { value: cursor.toISOString(), timestamp: new Date() } } } }]);
}

export async function readPublicationCursor(state: Table, schema: StateTableSchema): Promise<Date | undefined> {
  const [rows] = await state.getRows({ keys: [CURSOR_ROW], filter: [{ column: { cellLimit: 1 } }] });
  const value = rows[0]?.data?.[schema.families.state]?.[CURSOR_COLUMN]?.[0]?.value;
  if (value === undefined) return undefined;
  const cursor = new Date(String(value));
  if (Number.isNaN(cursor.getTime())) throw new Error(`${CURSOR_ROW} holds "${String(value)}", not a timestamp`);
  return cursor;
}
