import { randomUUID } from 'node:crypto';
import type { Table } from '@google-cloud/bigtable';
import type { StateTableSchema } from './resources';

/**
 * The replication watermark: every transaction that occurred before it is in Bigtable.
 * pubsubReplicate records it after each run; httpGenerate lowers it to a slot before that slot's
 * rows can commit; the daily job summarizes a day only once the watermark has passed the day's
 * end. Stored in the `pipeline_state` table so that readers of Bigtable never need Cloud SQL.
 *
 * Every write is a compare-and-set on a `version` cell (a fresh UUID per write), so a replicator
 * whose SQL read is older than a generation's lowering can never write over that lowering: it
 * reads the version BEFORE its SQL read, and a lowering in between changes the version. Written
 * as a plain value, not forced upward: a lower value after a backfill is the truth.
 */
export const WATERMARK_ROW = 'replication_watermark';
export const WATERMARK_COLUMN = 'watermark';
export const WATERMARK_VERSION_COLUMN = 'version';

export interface StoredWatermark {
  watermark: Date | undefined;
  /** Undefined when nothing was ever written. */
  version: string | undefined;
  /** The newest cell's timestamp (ms): a write stamps its cells later than this, whatever its clock. */
  writtenAtMs: number;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : Buffer.from(value as Uint8Array).toString('utf8');
}

export async function readStoredWatermark(state: Table, schema: StateTableSchema): Promise<StoredWatermark> {
  const [rows] = await state.getRows({ keys: [WATERMARK_ROW], filter: [{ column: { cellLimit: 1 } }] });
  const columns = rows[0]?.data?.[schema.families.state] ?? {};
  const cell = columns[WATERMARK_COLUMN]?.[0];
  const versionCell = columns[WATERMARK_VERSION_COLUMN]?.[0];
  let watermark: Date | undefined;
  if (cell) {
    const value = text(cell.value);
    watermark = new Date(value);
    if (Number.isNaN(watermark.getTime())) throw new Error(`${WATERMARK_ROW} holds "${value}", not a timestamp`);
  }
  const micros = [cell?.timestamp, versionCell?.timestamp].map((t) => Number(t ?? 0));
  return { watermark, version: versionCell ? text(versionCell.value) : undefined, writtenAtMs: Math.floor(Math.max(...micros) / 1000) };
}

export async function readWatermark(state: Table, schema: StateTableSchema): Promise<Date | undefined> {
  return (await readStoredWatermark(state, schema)).watermark;
}

function cells(schema: StateTableSchema, watermark: Date, writtenAtMs: number) {
  const timestamp = new Date(Math.max(Date.now(), writtenAtMs + 1));
  return {
    [schema.families.state]: {
      [WATERMARK_COLUMN]: { value: watermark.toISOString(), timestamp },
      [WATERMARK_VERSION_COLUMN]: { value: randomUUID(), timestamp },
    },
  };
}

/**
 * Writes `watermark` only if the stored version is still `read.version`; false if another writer
 * came in between (read again, recompute, try again).
 */
export async function replaceWatermark(state: Table, schema: StateTableSchema, read: StoredWatermark, watermark: Date): Promise<boolean> {
  const mutation = [{ method: 'insert', data: cells(schema, watermark, read.writtenAtMs) }];
  const newest = [{ family: schema.families.state }, { column: WATERMARK_VERSION_COLUMN }, { column: { cellLimit: 1 } }];
  if (read.version === undefined) {
    const [matched] = await state.row(WATERMARK_ROW).filter(newest, { onNoMatch: mutation });
    return matched === false;
  }
  // A UUID is hex and dashes: safe as the value filter's regular expression.
  const [matched] = await state.row(WATERMARK_ROW).filter([...newest, { value: read.version }], { onMatch: mutation });
  return matched === true;
}

/** Unconditional write (test set-up and tools; the pipeline itself uses replaceWatermark). */
export async function recordWatermark(state: Table, schema: StateTableSchema, watermark: Date): Promise<void> {
  const read = await readStoredWatermark(state, schema);
  await state.insert([{ key: WATERMARK_ROW, data: cells(schema, watermark, read.writtenAtMs) }]);
}

const MAX_ATTEMPTS = 10;

/**
 * Lowers the stored watermark to `to` unless it is already there or below (or none was ever
 * written, which holds every day back anyway). Returns the value it replaced, if it lowered.
 */
export async function lowerWatermark(state: Table, schema: StateTableSchema, to: Date): Promise<Date | undefined> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const read = await readStoredWatermark(state, schema);
    if (read.watermark === undefined || read.watermark <= to) return undefined;
    if (await replaceWatermark(state, schema, read, to)) return read.watermark;
  }
  throw new Error(`could not lower ${WATERMARK_ROW} to ${to.toISOString()}: ${MAX_ATTEMPTS} concurrent writes in a row`);
}
