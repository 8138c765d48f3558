import {test} from 'uvu';
import * as assert from 'uvu/assert';
import type {PoolConnection, RowDataPacket} from 'mysql2/promise';
import {
  markSentAndCommit,
  markSentCommitAndClaim,
} from '../../../core/sql/transactions';
import {
  claimTransactions,
  transactionsOf,
} from '../../support/sql-transactions';
import {type SuiteEnv, suiteEnv} from '../../support/suite-env';
import {seedBatches} from '../../functions/fixtures';
import {printingErrors} from '../../support/hooks';

let env: SuiteEnv;

test.before(
  printingErrors(async () => {
    env = await suiteEnv('sql-claims');
  }),
);

test.after(async () => {
  await env?.close();
});

test.before.each(async () => {
  await env.pool.query('DELETE FROM transactions');
  await env.pool.query('DELETE FROM generation_batches');
  await seedBatches(env.pool, 'claims', 1, 40);
});

/** Whether another session can lock the row right now (NOWAIT: a held lock fails at once). */
async function lockable(id: string): Promise<boolean> {
  const probe = await env.pool.getConnection();
  try {
    await probe.beginTransaction();
    await probe.query(
      'SELECT id FROM transactions WHERE id = ? FOR UPDATE NOWAIT',
      [id],
    );
    return true;
  } catch (error) {
    if ((error as {errno?: number}).errno === 1205) return false;
    throw error;
  } finally {
    await probe.rollback();
    probe.release();
  }
}

async function sessionSettings(
  connection: PoolConnection,
): Promise<{isolation: string; autocommit: number}> {
  const [[row]] = await connection.query<RowDataPacket[]>(
    'SELECT @@tx_isolation AS isolation, @@autocommit AS autocommit',
  );
  return {
    isolation: String(row!.isolation),
    autocommit: Number(row!.autocommit),
  };
}

async function sentFlags(ids: readonly string[]): Promise<boolean[]> {
  const [rows] = await env.pool.query<RowDataPacket[]>(
    'SELECT id, sent_to_big_table AS sent FROM transactions WHERE id IN (?)',
    [ids],
  );
  const sent = new Map(rows.map(row => [row.id as string, Boolean(row.sent)]));
  return ids.map(id => sent.get(id)!);
}

test('a claim session: READ COMMITTED; the claim opens the transaction, the flags commit it in one call', async () => {
  const session = await env.sql.acquireClaimSession();
  const plain = await env.sql.acquire();
  try {
    assert.equal(await sessionSettings(session), {
      isolation: 'READ-COMMITTED',
      autocommit: 0,
    });
    assert.equal(
      await sessionSettings(plain),
      {isolation: 'REPEATABLE-READ', autocommit: 1},
      'the shared pool keeps the server defaults',
    );
    await session.commit();

    // No START TRANSACTION: the locks of the claim last until the commit.
    const claimed = await claimTransactions(session, 10);
    const ids = claimed.map(txn => txn.id);
    assert.is(ids.length, 10);
    assert.is(
      await lockable(ids[0]!),
      false,
      'claimed rows stay locked after the claim statement',
    );
    assert.is(await markSentAndCommit(session, ids), 10);
    assert.is(await lockable(ids[0]!), true, 'the commit released them');
    assert.equal(
      await sentFlags(ids),
      ids.map(() => true),
      'flags committed, seen from another session',
    );
    // The next claim is a new transaction of its own, after the flagged rows.
    const next = await claimTransactions(session, 100);
    assert.is(next.length, 30);
    assert.ok(next.every(txn => !ids.includes(txn.id)));
    await markSentAndCommit(session, []);
    assert.is(
      await lockable(next[0]!.id),
      true,
      'an empty flag list still commits the claim',
    );
  } finally {
    await session.rollback();
    session.release();
    plain.release();
  }
});

/**
 * Flags that fail: a claim of 5 rows on a session whose lock waits last 1 s, while another
 * replicator holds a sixth row, which `flag` is asked to flag with them (its UPDATE times out on
 * it). `more` checks what it will before the claim is rolled back; nothing may be flagged.
 */
async function failingFlags(
  flag: (session: PoolConnection, ids: string[]) => Promise<unknown>,
  more: (ids: string[]) => Promise<void> = async () => {},
): Promise<void> {
  const session = await env.sql.acquireClaimSession();
  let other: PoolConnection | undefined;
  try {
    await session.query('SET SESSION innodb_lock_wait_timeout = 1');
    const ids = (await claimTransactions(session, 5)).map(txn => txn.id);
    other = await env.sql.acquireClaimSession();
    const [held] = await claimTransactions(other, 1);
    const error = await flag(session, [...ids, held!.id]).then(
      () => undefined,
      (failure: unknown) => failure as {errno?: number},
    );
    assert.is(error?.errno, 1205, 'lock wait timeout');
    assert.is(
      await lockable(ids[0]!),
      false,
      'no COMMIT ran: the claim still holds its rows',
    );
    await more([...ids, held!.id]);
    await session.rollback();
    assert.is(await lockable(ids[0]!), true);
    assert.equal(
      await sentFlags(ids),
      ids.map(() => false),
      'nothing flagged',
    );
  } finally {
    await session
      .query('SET SESSION innodb_lock_wait_timeout = DEFAULT')
      .catch(() => {});
    await session.rollback();
    session.release();
    if (other) {
      await other.rollback();
      other.release();
    }
  }
}

test('a flag UPDATE that fails runs no COMMIT: the claim stays open, rolls back whole', async () => {
  await failingFlags((session, ids) => markSentAndCommit(session, ids));
});

test('flags, COMMIT and the next claim in one call: the first claim committed, the next one held', async () => {
  const session = await env.sql.acquireClaimSession();
  try {
    const first = (await claimTransactions(session, 10)).map(txn => txn.id);
    const next = transactionsOf(
      await markSentCommitAndClaim(session, first, 25),
    ).map(txn => txn.id);
    assert.is(next.length, 25);
    assert.ok(next.every(id => !first.includes(id)));
    assert.equal(
      await sentFlags(first),
      first.map(() => true),
      'the first claim is committed, seen from another session',
    );
    assert.is(await lockable(first[0]!), true, 'its locks are released');
    assert.is(
      await lockable(next[0]!),
      false,
      'the next claim holds its rows in a transaction of its own',
    );
    // Another replicator's claim passes over them.
    const other = await env.sql.acquireClaimSession();
    try {
      const theirs = await claimTransactions(other, 100);
      assert.is(theirs.length, 5);
      assert.ok(theirs.every(txn => !next.includes(txn.id)));
    } finally {
      await other.rollback();
      other.release();
    }
    await session.rollback();
    assert.equal(
      await sentFlags(next),
      next.map(() => false),
      'rolled back, the next claim flagged nothing',
    );
  } finally {
    await session.rollback();
    session.release();
  }
});

test('flags that fail in the combined call run neither the COMMIT nor the next claim', async () => {
  await failingFlags(
    (session, ids) => markSentCommitAndClaim(session, ids, 10),
    async named => {
      // The rows a next claim would have taken are free.
      const [rest] = await env.pool.query<RowDataPacket[]>(
        'SELECT id FROM transactions WHERE id NOT IN (?) ORDER BY occurred_at LIMIT 10',
        [named],
      );
      for (const row of rest) assert.is(await lockable(row.id as string), true);
    },
  );
});

test.run();
