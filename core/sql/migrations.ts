import type {Pool, PoolConnection, RowDataPacket} from 'mysql2/promise';

/**
 * The Cloud SQL schema, as numbered migrations. Applying them is safe to repeat and to run from two
 * places at once: a named lock serializes appliers, `schema_migrations` records what is applied, and
 * each statement is itself idempotent (IF NOT EXISTS).
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'transactions and generation batches',
    statements: [
      `CREATE TABLE IF NOT EXISTS transactions (
        id VARCHAR(64) NOT NULL,
        batch_id VARCHAR(64) NOT NULL,
        occurred_at DATETIME(3) NOT NULL COMMENT 'UTC',
        account_id VARCHAR(64) NOT NULL,
        merchant VARCHAR(200) NOT NULL,
        merchant_category VARCHAR(200) NOT NULL,
        txn_type VARCHAR(20) NOT NULL,
        amount_minor BIGINT NOT NULL COMMENT 'integer minor units of currency',
        currency CHAR(3) NOT NULL,
        sent_to_big_table BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY idx_unsent (sent_to_big_table, occurred_at),
        KEY idx_batch (batch_id),
        CONSTRAINT chk_amount_positive CHECK (amount_minor > 0)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      `CREATE TABLE IF NOT EXISTS generation_batches (
        batch_id VARCHAR(64) NOT NULL,
        slot_start DATETIME(3) NOT NULL COMMENT 'UTC start of the generated hour',
        row_count INT NOT NULL,
        first_occurred_at DATETIME(3) NULL,
        last_occurred_at DATETIME(3) NULL,
        created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (batch_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ],
  },
  {
    version: 2,
    name: 'generation leases for the replication watermark',
    statements: [
      // A generation attempt holds a lease from before its rows exist until the transaction that
      // commits them (which deletes the lease): the watermark never passes a lease's slot, so rows
      // still invisible in an open transaction cannot end up below it. See core/replication/watermark-rule.ts.
      `CREATE TABLE IF NOT EXISTS generation_leases (
        lease_id CHAR(36) NOT NULL,
        batch_id VARCHAR(64) NOT NULL,
        slot_start DATETIME(3) NOT NULL COMMENT 'UTC start of the hour being generated',
        started_at DATETIME(3) NOT NULL COMMENT 'UTC',
        PRIMARY KEY (lease_id),
        KEY idx_slot (slot_start)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ],
  },
];

const LOCK_NAME = 'finserv_schema_migrations';
const LOCK_TIMEOUT_SECONDS = 60;

function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name))
    throw new RangeError(`"${name}" is not a safe database name`);
  return `\`${name}\``;
}

/** Creates the database if absent and applies every migration not yet recorded. Returns the versions applied. */
export async function applyMigrations(
  pool: Pool,
  database: string,
  migrations: Migration[] = MIGRATIONS,
): Promise<number[]> {
  const db = quoteIdentifier(database);
  const connection = await pool.getConnection();
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
    await connection.query(`USE ${db}`);
    const [locked] = await connection.query<RowDataPacket[]>(
      'SELECT GET_LOCK(?, ?) AS locked',
      [LOCK_NAME, LOCK_TIMEOUT_SECONDS],
    );
    if (locked[0]?.locked !== 1)
      throw new Error(
        `could not take the migration lock ${LOCK_NAME} within ${LOCK_TIMEOUT_SECONDS}s`,
      );
    try {
      return await applyLocked(connection, migrations);
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    connection.release();
  }
}

async function applyLocked(
  connection: PoolConnection,
  migrations: Migration[],
): Promise<number[]> {
  await connection.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INT NOT NULL PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
  ) ENGINE=InnoDB`);
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT version FROM schema_migrations',
  );
  const applied = new Set(rows.map(row => Number(row.version)));
  const newlyApplied: number[] = [];
  for (const migration of [...migrations].sort(
    (a, b) => a.version - b.version,
  )) {
    if (applied.has(migration.version)) continue;
    // MySQL DDL commits implicitly, so each statement must be idempotent on its own.
    for (const statement of migration.statements)
      await connection.query(statement);
    await connection.query(
      'INSERT INTO schema_migrations (version, name) VALUES (?, ?)',
      [migration.version, migration.name],
    );
    newlyApplied.push(migration.version);
  }
  return newlyApplied;
}
