import {randomUUID} from 'node:crypto';
import type {PoolConnection} from 'mysql2/promise';
import type {SqlPool} from './connect';

/**
 * Generation leases (`generation_leases`): a generation attempt holds one from before its rows
 * exist until the SQL transaction that commits them, so the replication watermark cannot pass the
 * slot while the rows are still invisible. See core/replication/watermark-rule.ts.
 */

/** Registers an in-flight generation (committed on its own). Returns the lease id. */
export async function openGenerationLease(
  sql: SqlPool,
  batchId: string,
  slotStart: Date,
): Promise<string> {
  const leaseId = randomUUID();
  const connection = await sql.acquire();
  try {
    // The database's clock, which is also the one that expires leases (no skew between instances).
    await connection.query(
      'INSERT INTO generation_leases (lease_id, batch_id, slot_start, started_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))',
      [leaseId, batchId, slotStart],
    );
  } finally {
    connection.release();
  }
  return leaseId;
}

/** Deletes a lease on the connection given, inside whatever transaction it has open. */
export async function deleteGenerationLease(
  connection: PoolConnection,
  leaseId: string,
): Promise<void> {
  await connection.query('DELETE FROM generation_leases WHERE lease_id = ?', [
    leaseId,
  ]);
}

/** Drops a lease whose attempt failed; a lease of a committed batch is already gone. */
export async function closeGenerationLease(
  sql: SqlPool,
  leaseId: string,
): Promise<void> {
  const connection = await sql.acquire();
  try {
    await deleteGenerationLease(connection, leaseId);
  } finally {
    connection.release();
  }
}
