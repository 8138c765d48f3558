import type {
  PoolConnection,
  ResultSetHeader,
  RowDataPacket,
} from 'mysql2/promise';
import {isCurrency} from '../money';
import {type Transaction, isTransactionType} from '../transaction';

/**
 * Queries on the `transactions` table. Callers own the SQL transaction: these functions run on
 * the connection they are given, inside whatever transaction it has open.
 */
export const TRANSACTION_COLUMNS =
  'id, batch_id, occurred_at, account_id, merchant, merchant_category, txn_type, amount_minor, currency';

/** Rows per INSERT statement: 9 placeholders a row keeps a statement far below the 65,535 limit. */
const INSERT_CHUNK_ROWS = 1000;

function rowValues(txn: Transaction): unknown[] {
  return [
    txn.id,
    txn.batchId,
    txn.occurredAt,
    txn.accountId,
    txn.merchant,
    txn.merchantCategory,
    txn.type,
    txn.amountMinor.toString(),
    txn.currency,
  ];
}

/** Multi-row parameterized INSERTs, `chunkRows` rows per statement. */
export async function insertTransactions(
  connection: PoolConnection,
  txns: readonly Transaction[],
  chunkRows = INSERT_CHUNK_ROWS,
): Promise<void> {
  for (let start = 0; start < txns.length; start += chunkRows) {
    const chunk = txns.slice(start, start + chunkRows);
    const placeholders = chunk.map(() => '(?,?,?,?,?,?,?,?,?)').join(',');
    await connection.query(
      `INSERT INTO transactions (${TRANSACTION_COLUMNS}) VALUES ${placeholders}`,
      chunk.flatMap(rowValues),
    );
  }
}

export class StoredTransactionError extends Error {
  readonly code = 'STORED_TRANSACTION_INVALID';
}

/**
 * A `transactions` row back as a Transaction (money as bigint from the exact string), the row as
 * its values in TRANSACTION_COLUMNS order: queried with `rowsAsArray`, so mysql2 builds no object
 * with nine named properties a row only for it to be copied here.
 */
export function transactionOfRow(row: unknown[]): Transaction {
  const [
    id,
    batchId,
    occurredAt,
    accountId,
    merchant,
    merchantCategory,
    type,
    amountMinor,
    currency,
  ] = row as [
    string,
    string,
    Date,
    string,
    string,
    string,
    unknown,
    string,
    unknown,
  ];
  if (!isTransactionType(type))
    throw new StoredTransactionError(
      `transaction ${id}: unknown txn_type "${String(type)}"`,
    );
  if (!isCurrency(currency))
    throw new StoredTransactionError(
      `transaction ${id}: unknown currency "${String(currency)}"`,
    );
  return {
    id,
    batchId,
    occurredAt,
    accountId,
    merchant,
    merchantCategory,
    type,
    amountMinor: BigInt(amountMinor),
    currency,
  };
}

/** The rows of a SELECT of TRANSACTION_COLUMNS, as transactions. */
export async function selectTransactions(
  connection: PoolConnection,
  sql: string,
  values: unknown[],
): Promise<Transaction[]> {
  const [rows] = await connection.query<RowDataPacket[][]>({
    sql,
    values,
    rowsAsArray: true,
  });
  return rows.map(transactionOfRow);
}

/**
 * Locks up to `limit` unsent transactions, oldest first, skipping rows another replicator holds.
 * Must run inside a transaction (on a claim session the claim opens one); the locks last until it
 * commits or rolls back (or the connection dies).
 *
 * `from` narrows the claim to `occurred_at >= from`. Flagging a row moves its idx_unsent entry, and
 * the old entry stays behind, delete-marked, until InnoDB purges it; a claim from the start of the
 * range steps over (and checks) every one of them, which was most of the claim's server CPU while
 * a replication was under way. A narrowed claim can miss older unsent rows (a claim rolled back,
 * a late insert), so only an empty claim without `from` means nothing is left.
 */
export async function claimUnsent(
  connection: PoolConnection,
  limit: number,
  from?: Date,
): Promise<Transaction[]> {
  return selectTransactions(
    connection,
    `SELECT ${TRANSACTION_COLUMNS} FROM transactions FORCE INDEX (idx_unsent)
      WHERE sent_to_big_table = FALSE${from ? ' AND occurred_at >= ?' : ''} ORDER BY occurred_at LIMIT ? FOR UPDATE SKIP LOCKED`,
    from ? [from, limit] : [limit],
  );
}

const MARK_SENT =
  'UPDATE transactions SET sent_to_big_table = TRUE WHERE id IN (?)';

/**
 * Flags the rows and commits the claim's transaction in one round trip, on a claim session (see
 * SqlPool.acquireClaimSession): if the UPDATE fails, the server runs nothing after it and the
 * transaction stays open for the caller's ROLLBACK.
 */
export async function markSentAndCommit(
  claimSession: PoolConnection,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) {
    await claimSession.commit();
    return 0;
  }
  const [[flagged]] = await claimSession.query<ResultSetHeader[]>(
    `${MARK_SENT}; COMMIT`,
    [ids],
  );
  return flagged!.affectedRows;
}

export async function markSent(
  connection: PoolConnection,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const [result] = await connection.query<ResultSetHeader>(MARK_SENT, [ids]);
  return result.affectedRows;
}
