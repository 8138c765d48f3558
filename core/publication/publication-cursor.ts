import type {Table} from '@google-cloud/bigtable';
import {
  type StateCursor,
  readInstantCursor,
  writeInstantCursor,
} from '../bigtable/pipeline-state';
import type {StateTableSchema} from '../resources';

/**
 * The publication cursor in `pipeline_state`: every transaction that occurred before it has been
 * published (or quarantined). A run publishes [cursor, watermark) and then sets the cursor to the
 * watermark it read, so the cursor never passes the watermark; when the watermark moves back, or a
 * replicated span starts before the cursor (a backfilled hour), the run starts from there instead.
 */
export const PUBLICATION_CURSOR: StateCursor = {
  row: 'publication_cursor',
  column: 'cursor',
};

export function writePublicationCursor(
  state: Table,
  schema: StateTableSchema,
  cursor: Date,
): Promise<void> {
  return writeInstantCursor(state, schema, PUBLICATION_CURSOR, cursor);
}

export function readPublicationCursor(
  state: Table,
  schema: StateTableSchema,
): Promise<Date | undefined> {
  return readInstantCursor(state, schema, PUBLICATION_CURSOR);
}
