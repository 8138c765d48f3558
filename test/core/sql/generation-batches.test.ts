import {test} from 'uvu';
import * as assert from 'uvu/assert';
import type {RowDataPacket} from 'mysql2/promise';
import {loadGenerator} from '../../../core/generation/generator';
import {batchIdForKey} from '../../../core/generation/slot';
import {
  insertBatch,
  readBatchSummary,
} from '../../../core/sql/generation-batches';
import {openGenerationLease} from '../../../core/sql/generation-leases';
import {
  claimTransactions,
  countTransactions,
  readBatch,
} from '../../support/sql-transactions';
import {type SuiteEnv, suiteEnv} from '../../support/suite-env';
import {sqlPoolOf} from '../../functions/fixtures';
import {printingErrors} from '../../support/hooks';

let env: SuiteEnv;
const slotStart = new Date('2026-11-20T14:00:00.000Z');

test.before(
  printingErrors(async () => {
    env = await suiteEnv('sql-batches');
  }),
);

test.after(async () => {
  await env?.close();
});

async function leases(): Promise<number> {
  const [rows] = await env.pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM generation_leases',
  );
  return Number(rows[0]?.n);
}

test('a batch and its rows commit together; stored rows read back exactly (money, time, text)', async () => {
  const sql = sqlPoolOf(env.pool);
  const generator = await loadGenerator();
  const batchId = batchIdForKey('exact');
  const transactions = generator.generate({batchId, slotStart, count: 2500});
  const leaseId = await openGenerationLease(sql, batchId, slotStart);
  const result = await insertBatch(sql, {
    batchId,
    slotStart,
    transactions,
    leaseId,
  });
  assert.ok(result.created);
  assert.is(result.batch.rowCount, 2500);
  assert.is(await leases(), 0, 'the lease left with the commit');
  const connection = await env.pool.getConnection();
  try {
    assert.equal(
      await readBatch(connection, batchId),
      [...transactions].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    assert.equal(await readBatchSummary(connection, batchId), result.batch);
  } finally {
    connection.release();
  }
});

test('the same batch again: nothing written, the stored batch reported', async () => {
  const sql = sqlPoolOf(env.pool);
  const generator = await loadGenerator();
  const batchId = batchIdForKey('exact');
  const again = await insertBatch(sql, {
    batchId,
    slotStart,
    transactions: generator.generate({batchId, slotStart, count: 10}),
  });
  assert.is(again.created, false);
  assert.is(again.batch.rowCount, 2500);
  const connection = await env.pool.getConnection();
  try {
    assert.is(await countTransactions(connection, {batchId}), 2500);
  } finally {
    connection.release();
  }
});

test('a failure halfway rolls back the batch row and every row written before it', async () => {
  const sql = sqlPoolOf(env.pool);
  const generator = await loadGenerator();
  const batchId = batchIdForKey('broken');
  const transactions = generator.generate({batchId, slotStart, count: 1500});
  // The second chunk collides with a row of another batch: its INSERT fails after the first succeeded.
  const clash = {...transactions[1200]!, id: `${batchIdForKey('exact')}-00007`};
  transactions[1200] = clash;
  try {
    await insertBatch(sql, {batchId, slotStart, transactions});
    assert.unreachable('the duplicate id should fail the batch');
  } catch (error) {
    assert.is((error as {errno?: number}).errno, 1062);
  }
  const connection = await env.pool.getConnection();
  try {
    assert.is(await countTransactions(connection, {batchId}), 0);
    assert.is(await readBatchSummary(connection, batchId), undefined);
  } finally {
    connection.release();
  }
});

test('claims skip rows another transaction holds', async () => {
  const a = await env.pool.getConnection();
  const b = await env.pool.getConnection();
  try {
    await a.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await a.beginTransaction();
    await b.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await b.beginTransaction();
    const first = await claimTransactions(a, 1000);
    const second = await claimTransactions(b, 1000);
    assert.is(first.length, 1000);
    assert.is(second.length, 1000);
    const ids = new Set(first.map(t => t.id));
    assert.ok(
      second.every(t => !ids.has(t.id)),
      'disjoint claims',
    );
    assert.ok(first[0]!.occurredAt <= first.at(-1)!.occurredAt, 'oldest first');
  } finally {
    await a.rollback();
    await b.rollback();
    a.release();
    b.release();
  }
});

test.run();
