import type { Table } from '@google-cloud/bigtable';
import type { StateTableSchema } from './resources';

/**
 * The replication watermark: every transaction that occurred before it is in Bigtable.
 * pubsubReplicate records it after each run; the daily job summarizes a day only once the
 * watermark has passed the day's end. Stored in the `pipeline_state` table so that readers
 * of Bigtable never need Cloud SQL.
 *
 * Written as a plain value (not forced upward): a replicator computes it from what is still unsent,
 * so a lower value after a backfill is the truth, and a stale lower value only holds days back.
 */
export const WATERMARK_ROW = 'replication_watermark';
export const WATERMARK_COLUMN = 'watermark';

export async function recordWatermark(state: Table, schema: StateTableSchema, watermark: Date): Promise<void> {
  await state.insert([
    {
      key: WATERMARK_ROW,
      data: { [schema.families.state]: { [WATERMARK_COLUMN]: { value: watermark.toISOString(), timestamp: new Date() } } },
    },
  ]);
}

export async function readWatermark(state: Table, schema: StateTableSchema): Promise<Date | undefined> {
  const [rows] = await state.getRows({ keys: [WATERMARK_ROW], filter: [{ column: { cellLimit: 1 } }] });
  const cell = rows[0]?.data?.[schema.families.state]?.[WATERMARK_COLUMN]?.[0];
  if (!cell) return undefined;
  const value = typeof cell.value === 'string' ? cell.value : Buffer.from(cell.value).toString('utf8');
  const watermark = new Date(value);
  if (Number.isNaN(watermark.getTime())) throw new Error(`${WATERMARK_ROW} holds "${value}", not a timestamp`);
  return watermark;
}
