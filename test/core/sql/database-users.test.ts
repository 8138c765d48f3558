/**
 * core/sql/database-users.ts against MariaDB: each part's user runs that part's own queries (the
 * real core functions) and is refused everything else; a rerun converges on the new password and
 * on the declared grants.
 */
import {randomBytes} from 'node:crypto';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {createPool, type Pool} from 'mysql2/promise';
import {loadGenerator} from '../../../core/generation/generator';
import {batchIdForKey} from '../../../core/generation/slot';
import {
  computeWatermark,
  DEFAULT_WATERMARK_RULE,
} from '../../../core/replication/watermark-rule';
import {
  applyDatabaseUser,
  DatabaseUserError,
  PART_GRANTS,
  type DatabasePart,
} from '../../../core/sql/database-users';
import {insertBatch} from '../../../core/sql/generation-batches';
import {openGenerationLease} from '../../../core/sql/generation-leases';
import {applyMigrations} from '../../../core/sql/migrations';
import {openSqlPool} from '../../../core/sql/connect';
import {markSentAndCommit} from '../../../core/sql/transactions';
import {claimTransactions} from '../../support/sql-transactions';
import {sqlPoolOf} from '../../functions/fixtures';
import {printingErrors} from '../../support/hooks';
import {platformEnv} from '../../support/platform-env';

const unique = randomBytes(3).toString('hex');
const database = `t_db_users_${unique}`;
const users: Record<DatabasePart, string> = {
  migrate: `t_mig_${unique}`,
  generate: `t_gen_${unique}`,
  replicate: `t_rep_${unique}`,
};
const passwords: Record<DatabasePart, string> = {
  migrate: randomBytes(12).toString('hex'),
  generate: randomBytes(12).toString('hex'),
  replicate: randomBytes(12).toString('hex'),
};
let admin: Pool;
const opened: Pool[] = [];

function poolAs(
  part: DatabasePart,
  password = passwords[part],
  db: string = database,
): Pool {
  const {host, port} = platformEnv().mysql;
  const pool = createPool({
    host,
    port,
    user: users[part],
    password,
    database: db,
    connectionLimit: 2,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  opened.push(pool);
  return pool;
}

async function refused(
  pool: Pool,
  sql: string,
  values: unknown[] = [],
): Promise<string> {
  try {
    await pool.query(sql, values);
  } catch (error) {
    return (error as {code: string}).code;
  }
  throw new Error(`${sql} was allowed`);
}

test.before(
  printingErrors(async () => {
    admin = createPool({...platformEnv().mysql, connectionLimit: 2});
    await applyMigrations(admin, database);
    for (const part of ['generate', 'replicate'] as const) {
      await applyDatabaseUser(admin, database, {
        user: users[part],
        password: passwords[part],
        grants: PART_GRANTS[part],
      });
    }
  }),
);

test.after(async () => {
  await Promise.allSettled(opened.map(pool => pool.end()));
  for (const user of Object.values(users))
    await admin?.query("DROP USER IF EXISTS ?@'%'", [user]);
  await admin?.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin?.query(`DROP DATABASE IF EXISTS \`${database}_m\``);
  await admin?.end();
});

test('generation user: commits a batch with its lease through core; cannot read, flag or delete transactions', async () => {
  const pool = poolAs('generate');
  const sql = sqlPoolOf(pool);
  const slotStart = new Date('2026-11-20T10:00:00.000Z');
  const batchId = batchIdForKey(`users-${unique}`);
  const transactions = (await loadGenerator()).generate({
    batchId,
    slotStart,
    count: 20,
  });
  const leaseId = await openGenerationLease(sql, batchId, slotStart);
  const result = await insertBatch(sql, {
    batchId,
    slotStart,
    transactions,
    leaseId,
  });
  assert.ok(result.created);
  assert.is(
    (await insertBatch(sql, {batchId, slotStart, transactions})).created,
    false,
    'the retry path reads the batch',
  );
  assert.is(
    await refused(pool, 'SELECT id FROM transactions LIMIT 1'),
    'ER_TABLEACCESS_DENIED_ERROR',
  );
  assert.is(
    await refused(pool, 'UPDATE transactions SET sent_to_big_table = TRUE'),
    'ER_TABLEACCESS_DENIED_ERROR',
  );
  assert.is(
    await refused(pool, 'DELETE FROM transactions'),
    'ER_TABLEACCESS_DENIED_ERROR',
  );
  assert.is(
    await refused(pool, 'DROP TABLE generation_leases'),
    'ER_TABLEACCESS_DENIED_ERROR',
  );
});

test('replication user: claims, flags and computes the watermark through core; cannot change an amount, insert or delete', async () => {
  const pool = poolAs('replicate');
  // As replication claims: on a claim session of a pool opened like the function's.
  const {host, port} = platformEnv().mysql;
  const sql = await openSqlPool({
    kind: 'tcp',
    host,
    port,
    user: users.replicate,
    password: passwords.replicate,
    database,
    limits: {size: 1, connectTimeoutMs: 10_000, acquireTimeoutMs: 10_000},
  });
  try {
    const connection = await sql.acquireClaimSession();
    try {
      const claimed = await claimTransactions(connection, 100);
      assert.is(claimed.length, 20);
      assert.is(
        await markSentAndCommit(
          connection,
          claimed.map(t => t.id),
        ),
        20,
      );
    } finally {
      connection.release();
    }
  } finally {
    await sql.close();
  }
  const watermark = await computeWatermark(
    sqlPoolOf(pool),
    DEFAULT_WATERMARK_RULE,
    new Date('2026-11-20T15:00:00.000Z'),
  );
  assert.instance(watermark, Date);
  assert.is(
    await refused(pool, 'UPDATE transactions SET amount_minor = 1'),
    'ER_COLUMNACCESS_DENIED_ERROR',
  );
  assert.is(
    await refused(
      pool,
      "INSERT INTO generation_batches (batch_id, slot_start, row_count) VALUES ('x', NOW(), 0)",
    ),
    'ER_TABLEACCESS_DENIED_ERROR',
  );
  assert.is(
    await refused(pool, 'DELETE FROM transactions'),
    'ER_TABLEACCESS_DENIED_ERROR',
  );
  // It reads generation_batches (the watermark rule's committed scheduled slots), never changes it.
  assert.is(
    await refused(pool, 'DELETE FROM generation_batches'),
    'ER_TABLEACCESS_DENIED_ERROR',
  );
  assert.is(
    await refused(pool, 'DELETE FROM generation_leases'),
    'ER_TABLEACCESS_DENIED_ERROR',
  );
});

test('migrations user: creates and migrates its database; no other database', async () => {
  await applyDatabaseUser(admin, `${database}_m`, {
    user: users.migrate,
    password: passwords.migrate,
    grants: PART_GRANTS.migrate,
  });
  const pool = poolAs('migrate', passwords.migrate, '');
  const {host, port} = platformEnv().mysql;
  const unbound = createPool({
    host,
    port,
    user: users.migrate,
    password: passwords.migrate,
    connectionLimit: 1,
  });
  opened.push(unbound);
  assert.equal(await applyMigrations(unbound, `${database}_m`), [1, 2]);
  assert.equal(await applyMigrations(unbound, `${database}_m`), []);
  assert.is(
    await refused(pool, `SELECT * FROM \`${database}\`.transactions`),
    'ER_TABLEACCESS_DENIED_ERROR',
  );
  assert.is(
    await refused(pool, 'CREATE DATABASE `t_other_x`'),
    'ER_DBACCESS_DENIED_ERROR',
  );
});

test('a rerun converges: the new password replaces the old, a grant dropped from the list is revoked', async () => {
  const next = randomBytes(12).toString('hex');
  await applyDatabaseUser(admin, database, {
    user: users.replicate,
    password: next,
    grants: [{table: 'generation_leases', privileges: ['SELECT']}],
  });
  assert.is(
    await refused(poolAs('replicate'), 'SELECT 1'),
    'ER_ACCESS_DENIED_ERROR',
  );
  const renewed = poolAs('replicate', next);
  await renewed.query('SELECT COUNT(*) FROM generation_leases');
  assert.is(
    await refused(renewed, 'SELECT id FROM transactions LIMIT 1'),
    'ER_TABLEACCESS_DENIED_ERROR',
  );
  await applyDatabaseUser(admin, database, {
    user: users.replicate,
    password: next,
    grants: PART_GRANTS.replicate,
  });
  await renewed.query('SELECT id FROM transactions LIMIT 1');
});

test('a failed statement is reported without the password it carried', async () => {
  const password = randomBytes(12).toString('hex');
  try {
    await applyDatabaseUser(admin, database, {
      user: users.generate,
      password,
      grants: [{table: 'no_such_table', privileges: ['SELECT']}],
    });
    assert.unreachable('a grant on a missing table succeeded');
  } catch (error) {
    assert.instance(error, DatabaseUserError);
    assert.match((error as Error).message, 'no_such_table');
    assert.not.match(
      JSON.stringify(error, Object.getOwnPropertyNames(error)),
      password,
    );
  }
  const unsafe = await applyDatabaseUser(admin, database, {
    user: "x'; DROP",
    password,
    grants: [],
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(
    unsafe,
    RangeError,
    'an unsafe user name is refused before any statement',
  );
});

test.run();
