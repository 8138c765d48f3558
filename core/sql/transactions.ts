import type {
  PoolConnection,
  ResultSetHeader,
  RowDataPacket,
} from 'mysql2/promise';
import {
  PACKED_CURRENCIES,
  PACKED_FIELDS,
  PACKED_TYPES,
  type PackedField,
  PackedTransactions,
  PackedTransactionsError,
} from '../packed-transactions';
import type {Transaction} from '../transaction';

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

/** How each packed field is read from its column (see core/packed-transactions.ts). */
const PACKED_COLUMN: {readonly [F in PackedField]: string} = {
  id: 'id',
  batchId: 'batch_id',
  // DATETIME(3) holds UTC, and reads as text in the packed shape.
  occurredAt: 'occurred_at',
  accountId: 'account_id',
  merchant: 'merchant',
  merchantCategory: 'merchant_category',
  type: 'txn_type',
  amountMinor: 'CAST(amount_minor AS CHAR)',
  currency: 'currency',
};

/** Each field as a 2-byte length and its bytes, then the type's and currency's list positions. */
const PACKED_ROW = `CONCAT(${PACKED_FIELDS.map(field => {
  const column = PACKED_COLUMN[field];
  return `LPAD(CHAR(LENGTH(${column})), 2, CHAR(0)), CAST(${column} AS BINARY)`;
}).join(
  ', ',
)}, CHAR(FIELD(txn_type, ${PACKED_TYPES.map(() => '?').join(', ')})), CHAR(FIELD(currency, ${PACKED_CURRENCIES.map(() => '?').join(', ')})))`;

/**
 * The statement selecting the rows `rest` selects from `transactions` (its FROM ... clause and
 * what follows), each packed by the database into one binary value (see
 * core/packed-transactions.ts): one column a row for mysql2 to parse, and the values laid end to
 * end make the PackedTransactions. (Packing the whole claim into one GROUP_CONCAT value was
 * measured too: it spared mysql2 little and cost MariaDB a third more, the derived table it needs
 * around the locking read.)
 */
function packedSelect(
  rest: string,
  values: unknown[],
): {sql: string; values: unknown[]} {
  return {
    sql: `SELECT ${PACKED_ROW} ${rest}`,
    values: [...PACKED_TYPES, ...PACKED_CURRENCIES, ...values],
  };
}

/** The PackedTransactions of a packedSelect's rows (read with `rowsAsArray`). */
function packedOf(rows: RowDataPacket[][]): PackedTransactions {
  const packed = rows.map(row => row[0]);
  if (!packed.every(value => Buffer.isBuffer(value)))
    throw new PackedTransactionsError(
      'packed transactions: the database returned a row that is not one binary value',
    );
  return new PackedTransactions(Buffer.concat(packed), rows.length);
}

async function selectPacked(
  connection: PoolConnection,
  rest: string,
  values: unknown[],
): Promise<PackedTransactions> {
  const [rows] = await connection.query<RowDataPacket[][]>({
    ...packedSelect(rest, values),
    rowsAsArray: true,
  });
  return packedOf(rows);
}

/** Every transaction of a generation batch. */
export async function selectBatch(
  connection: PoolConnection,
  batchId: string,
): Promise<PackedTransactions> {
  return selectPacked(
    connection,
    'FROM transactions WHERE batch_id = ? ORDER BY id',
    [batchId],
  );
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
): Promise<PackedTransactions> {
  const claim = claimStatement(limit, from);
  return selectPacked(connection, claim.rest, claim.values);
}

function claimStatement(limit: number, from?: Date) {
  return {
    rest: `FROM transactions FORCE INDEX (idx_unsent)
      WHERE sent_to_big_table = FALSE${from ? ' AND occurred_at >= ?' : ''} ORDER BY occurred_at LIMIT ? FOR UPDATE SKIP LOCKED`,
    values: from ? [from, limit] : [limit],
  };
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

/**
 * markSentAndCommit, then the next claim (claimUnsent's) in the same round trip, which opens the
 * session's next transaction: one round trip a claim instead of two. If the UPDATE or the COMMIT
 * fails, the server runs nothing after it; if the claim fails, the flags are committed already.
 */
export async function markSentCommitAndClaim(
  claimSession: PoolConnection,
  ids: readonly string[],
  limit: number,
  from?: Date,
): Promise<PackedTransactions> {
  if (ids.length === 0) {
    await claimSession.commit();
    return claimUnsent(claimSession, limit, from);
  }
  const claim = claimStatement(limit, from);
  const select = packedSelect(claim.rest, claim.values);
  const [results] = await claimSession.query<RowDataPacket[][]>({
    sql: `${MARK_SENT}; COMMIT; ${select.sql}`,
    values: [ids, ...select.values],
    rowsAsArray: true,
  });
  // One result a statement: the UPDATE's, the COMMIT's, then the claim's rows.
  return packedOf(results[2] as unknown as RowDataPacket[][]);
}

export async function markSent(
  connection: PoolConnection,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const [result] = await connection.query<ResultSetHeader>(MARK_SENT, [ids]);
  return result.affectedRows;
}
