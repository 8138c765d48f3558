/** Reading the `transactions` table back, for tests: what a batch stored, how many rows match. */
import type {PoolConnection, RowDataPacket} from 'mysql2/promise';
import type {Transaction} from '../../core/transaction';
import type {PackedTransactions} from '../../core/packed-transactions';
import {claimUnsent, selectBatch} from '../../core/sql/transactions';

export async function countTransactions(
  connection: PoolConnection,
  where: {batchId?: string; sent?: boolean} = {},
): Promise<number> {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (where.batchId !== undefined) {
    clauses.push('batch_id = ?');
    params.push(where.batchId);
  }
  if (where.sent !== undefined) {
    clauses.push('sent_to_big_table = ?');
    params.push(where.sent);
  }
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM transactions${clauses.length ? ` WHERE ${clauses.join(' AND ')}` : ''}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}

/** The packed rows as transactions, each validated. */
export function transactionsOf(packed: PackedTransactions): Transaction[] {
  return Array.from({length: packed.count}, (_, i) => packed.transaction(i));
}

/** Every transaction of a batch, by id. */
export async function readBatch(
  connection: PoolConnection,
  batchId: string,
): Promise<Transaction[]> {
  return transactionsOf(await selectBatch(connection, batchId));
}

/** A claim (see claimUnsent), its rows as transactions. */
export async function claimTransactions(
  connection: PoolConnection,
  limit: number,
  from?: Date,
): Promise<Transaction[]> {
  return transactionsOf(await claimUnsent(connection, limit, from));
}
