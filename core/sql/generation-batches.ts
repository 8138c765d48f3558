import type {PoolConnection, RowDataPacket} from 'mysql2/promise';
import type {Transaction} from '../transaction';
import type {SqlPool} from './connect';
import {deleteGenerationLease} from './generation-leases';
import {insertTransactions} from './transactions';

/**
 * One generation batch = one `generation_batches` row + its transactions, committed together, so a
 * batch id exists either with all of its rows or not at all: a retried request for the same batch
 * finds the row and writes nothing.
 */
export interface BatchSummary {
  batchId: string;
  slotStart: Date;
  rowCount: number;
  firstOccurredAt: Date | null;
  lastOccurredAt: Date | null;
}

export interface BatchInsertResult {
  /** False when the batch already existed (a retry): nothing was written. */
  created: boolean;
  batch: BatchSummary;
}

const ER_DUP_ENTRY = 1062;

/** `slot-2026112709`: the batch a scheduled run makes for the slot starting 2026-11-27T09:00Z. */
export function batchIdForSlot(slotStart: Date): string {
  const iso = slotStart.toISOString();
  return `slot-${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}`;
}

function summarize(
  batchId: string,
  slotStart: Date,
  txns: readonly Transaction[],
): BatchSummary {
  let first: Date | null = null;
  let last: Date | null = null;
  for (const txn of txns) {
    if (first === null || txn.occurredAt < first) first = txn.occurredAt;
    if (last === null || txn.occurredAt > last) last = txn.occurredAt;
  }
  return {
    batchId,
    slotStart,
    rowCount: txns.length,
    firstOccurredAt: first,
    lastOccurredAt: last,
  };
}

export async function readBatchSummary(
  connection: PoolConnection,
  batchId: string,
): Promise<BatchSummary | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT batch_id, slot_start, row_count, first_occurred_at, last_occurred_at FROM generation_batches WHERE batch_id = ?',
    [batchId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    batchId: row.batch_id,
    slotStart: row.slot_start,
    rowCount: Number(row.row_count),
    firstOccurredAt: row.first_occurred_at,
    lastOccurredAt: row.last_occurred_at,
  };
}

/**
 * In one SQL transaction: the batch row (a duplicate means a retry: roll back, report the stored
 * batch), every transaction in multi-row INSERTs, and the removal of the attempt's lease.
 */
export async function insertBatch(
  sql: SqlPool,
  batch: {
    batchId: string;
    slotStart: Date;
    transactions: readonly Transaction[];
    leaseId?: string;
  },
): Promise<BatchInsertResult> {
  const summary = summarize(batch.batchId, batch.slotStart, batch.transactions);
  const connection = await sql.acquire();
  try {
    await connection.beginTransaction();
    try {
      await connection.query(
        'INSERT INTO generation_batches (batch_id, slot_start, row_count, first_occurred_at, last_occurred_at) VALUES (?, ?, ?, ?, ?)',
        [
          summary.batchId,
          summary.slotStart,
          summary.rowCount,
          summary.firstOccurredAt,
          summary.lastOccurredAt,
        ],
      );
    } catch (error) {
      await connection.rollback();
      if ((error as {errno?: number}).errno !== ER_DUP_ENTRY) throw error;
      const stored = await readBatchSummary(connection, batch.batchId);
      if (!stored)
        throw new Error(
          `batch ${batch.batchId} reported as duplicate but not found`,
        );
      return {created: false, batch: stored};
    }
    try {
      await insertTransactions(connection, batch.transactions);
      if (batch.leaseId) await deleteGenerationLease(connection, batch.leaseId);
      await connection.commit();
    } catch (error) {
      await connection.rollback().catch(() => {});
      throw error;
    }
    return {created: true, batch: summary};
  } finally {
    connection.release();
  }
}
