import type {RowDataPacket} from 'mysql2/promise';
import type {SqlPool} from './connect';
import {batchIdForSlot} from './generation-batches';

/** What Cloud SQL holds back the replication watermark with (see core/replication/watermark-rule.ts). */
export interface PendingFloors {
  /** The oldest committed transaction not yet replicated. */
  oldestUnsent: Date | null;
  /** The earliest slot of a generation lease younger than its time to live. */
  oldestLeaseSlot: Date | null;
}

/**
 * Both floors in ONE statement, so they come from one consistent snapshot: a batch that commits
 * in between is seen either by its lease or by its rows, never by neither.
 */
export async function readPendingFloors(
  sql: SqlPool,
  leaseTtlMs: number,
): Promise<PendingFloors> {
  const connection = await sql.acquire();
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      `SELECT
         (SELECT MIN(occurred_at) FROM transactions WHERE sent_to_big_table = FALSE) AS oldest_unsent,
         (SELECT MIN(slot_start) FROM generation_leases
            WHERE started_at > UTC_TIMESTAMP(3) - INTERVAL ? MICROSECOND) AS oldest_lease_slot`,
      [leaseTtlMs * 1000],
    );
    const row = rows[0];
    return {
      oldestUnsent: row?.oldest_unsent ?? null,
      oldestLeaseSlot: row?.oldest_lease_slot ?? null,
    };
  } finally {
    connection.release();
  }
}

/** The slots in [from, to) whose scheduled batch (not a keyed backfill) is committed. */
export async function committedScheduledSlots(
  sql: SqlPool,
  from: Date,
  to: Date,
): Promise<Date[]> {
  const connection = await sql.acquire();
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT batch_id, slot_start FROM generation_batches WHERE slot_start >= ? AND slot_start < ? ORDER BY slot_start',
      [from, to],
    );
    return rows
      .filter(row => row.batch_id === batchIdForSlot(row.slot_start))
      .map(row => row.slot_start as Date);
  } finally {
    connection.release();
  }
}
