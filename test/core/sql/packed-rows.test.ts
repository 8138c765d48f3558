import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {loadGenerator} from '../../../core/generation/generator';
import {batchIdForKey} from '../../../core/generation/slot';
import {
  claimUnsent,
  insertTransactions,
  selectBatch,
} from '../../../core/sql/transactions';
import type {Transaction} from '../../../core/transaction';
import {packTransactions} from '../../support/pack-transactions';
import {type SuiteEnv, suiteEnv} from '../../support/suite-env';
import {printingErrors} from '../../support/hooks';

let env: SuiteEnv;

test.before(
  printingErrors(async () => {
    env = await suiteEnv('sql-packed');
  }),
);

test.after(async () => {
  await env?.close();
});

async function stored(key: string, count: number): Promise<Transaction[]> {
  const txns = (await loadGenerator()).generate({
    batchId: batchIdForKey(key),
    slotStart: new Date('2026-11-20T14:00:00.000Z'),
    count,
  });
  // Text beyond ASCII, and a merchant of 200 characters in 400 bytes (its 2-byte length above 255).
  txns[3] = {
    ...txns[3]!,
    merchant: 'Café Zürich ☕',
    merchantCategory: 'Bäckerei',
  };
  txns[4] = {...txns[4]!, merchant: 'ü'.repeat(200)};
  const connection = await env.pool.getConnection();
  try {
    await insertTransactions(connection, txns);
  } finally {
    connection.release();
  }
  return txns;
}

test('the database packs rows byte for byte as the packed format says', async () => {
  const txns = await stored('packed-sql', 300);
  const connection = await env.pool.getConnection();
  try {
    const packed = await selectBatch(connection, txns[0]!.batchId);
    const expected = packTransactions(
      [...txns].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    );
    assert.is(packed.count, 300);
    assert.ok(
      packed.bytes.equals(expected.bytes),
      'the same bytes as packTransactions',
    );
  } finally {
    connection.release();
  }
});

test('a claim packs exactly the rows it locks, oldest first, and an empty claim packs none', async () => {
  await env.pool.query('UPDATE transactions SET sent_to_big_table = TRUE');
  const txns = await stored('packed-claim', 50);
  const connection = await env.sql.acquireClaimSession();
  try {
    const claimed = await claimUnsent(connection, 20);
    assert.is(claimed.count, 20);
    const oldest = [...txns]
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())
      .slice(0, 20);
    assert.equal(
      Array.from({length: 20}, (_, i) => claimed.occurredAtMs(i)).sort(),
      oldest.map(t => t.occurredAt.getTime()).sort(),
    );
    await connection.rollback();
    const none = await claimUnsent(
      connection,
      20,
      new Date('2030-01-01T00:00:00Z'),
    );
    assert.is(none.count, 0);
    assert.is(none.bytes.length, 0);
    await connection.rollback();
  } finally {
    connection.release();
  }
});

test.run();
