import {Writable} from 'node:stream';
import type {PoolConnection, RowDataPacket} from 'mysql2/promise';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {createLogger} from '../../../core/log';
import {StoredTransactionError} from '../../../core/packed-transactions';
import {replicateUnsent} from '../../../core/replication/replicate';
import {DEFAULT_WATERMARK_RULE} from '../../../core/replication/watermark-rule';
import type {SqlPool} from '../../../core/sql/connect';
import {claimTransactions} from '../../support/sql-transactions';
import {type SuiteEnv, suiteEnv} from '../../support/suite-env';
import {
  cellVersionRange,
  countRows,
  seedBatches,
} from '../../functions/fixtures';
import {printingErrors} from '../../support/hooks';

let env: SuiteEnv;

test.before(
  printingErrors(async () => {
    env = await suiteEnv('resume');
  }),
);

test.after(async () => {
  await env?.close();
});

test('rows older than where the claims have got to (a late insert mid-run) are still replicated before the run reports drained', async () => {
  const seeded = await seedBatches(env.pool, 'resume', 2, 1000);
  const instance = env.bigtable.instance(env.resources.bigtable.instance);
  const table = instance.table(env.resources.bigtable.txn.id);
  let lateInsert: Promise<number> | undefined;
  const report = await replicateUnsent(
    {
      sql: env.sql,
      txnTable: table,
      txnSchema: env.resources.bigtable.txn,
      stateTable: instance.table(env.resources.bigtable.state.id),
      stateSchema: env.resources.bigtable.state,
      log: createLogger('test', undefined, 'silent'),
    },
    {
      batchSize: 300,
      workers: 2,
      budgetMs: 60_000,
      writeTimeoutMs: 30_000,
      watermark: DEFAULT_WATERMARK_RULE,
      // After the first claims: rows two hours older than anything claimed so far.
      afterBigtableWrite: async () => {
        lateInsert ??= seedBatches(env.pool, 'resume-late', 1, 250, 6);
        await lateInsert;
      },
    },
  );
  const late = await lateInsert!;
  assert.is(late, 250);
  assert.ok(report.drained);
  assert.is(report.replicated, seeded + late);
  assert.is(await countRows(env.pool, 'sent_to_big_table = FALSE'), 0);
  const [rows] = await table.getRows();
  assert.is(rows.length, seeded + late);
  assert.equal(await cellVersionRange(table), [1, 1]);
});

test('the completion line carries watermarkLagSeconds, the value the lag alert (a log-based metric) extracts', async () => {
  await seedBatches(env.pool, 'lag', 1, 50);
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const instance = env.bigtable.instance(env.resources.bigtable.instance);
  const now = new Date('2026-12-01T10:30:00.000Z');
  const report = await replicateUnsent(
    {
      sql: env.sql,
      txnTable: instance.table(env.resources.bigtable.txn.id),
      txnSchema: env.resources.bigtable.txn,
      stateTable: instance.table(env.resources.bigtable.state.id),
      stateSchema: env.resources.bigtable.state,
      log: createLogger('pubsubReplicate', sink),
    },
    {
      batchSize: 100,
      workers: 1,
      budgetMs: 60_000,
      writeTimeoutMs: 30_000,
      watermark: DEFAULT_WATERMARK_RULE,
      now: () => now,
    },
  );
  const complete = lines.find(line => line.message === 'replication complete');
  assert.ok(complete, JSON.stringify(lines));
  // scripts/alerts/replication-watermark-lag.metric.json filters on these two fields.
  assert.is(complete!.component, 'pubsubReplicate');
  assert.is(
    complete!.watermarkLagSeconds,
    (now.getTime() - report.watermark.getTime()) / 1000,
  );
  assert.ok(
    Number(complete!.watermarkLagSeconds) >= 3600,
    'the scheduling horizon keeps the watermark at least an hour behind',
  );
});

/** The suite's Bigtable tables and a silent log, as replicateUnsent takes them. */
function tables() {
  const instance = env.bigtable.instance(env.resources.bigtable.instance);
  return {
    txnTable: instance.table(env.resources.bigtable.txn.id),
    txnSchema: env.resources.bigtable.txn,
    stateTable: instance.table(env.resources.bigtable.state.id),
    stateSchema: env.resources.bigtable.state,
    log: createLogger('test', undefined, 'silent'),
  };
}

const ONE_WORKER = {
  batchSize: 100,
  workers: 1,
  budgetMs: 60_000,
  writeTimeoutMs: 30_000,
  watermark: DEFAULT_WATERMARK_RULE,
};

/**
 * The real pool, with one observer: `onClaim` sees every claim's statement and result before the
 * replicator does, and may act (on another connection) before handing the result on.
 */
function observedPool(
  onClaim: (sql: string, rows: unknown[]) => Promise<void>,
): SqlPool {
  const pool = env.sql;
  const observe = (connection: PoolConnection): PoolConnection =>
    new Proxy(connection, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property !== 'query')
          return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<PoolConnection['query']>) => {
          const result = await target.query(...args);
          const sql =
            typeof args[0] === 'string'
              ? args[0]
              : ((args[0] as {sql?: string}).sql ?? '');
          if (sql.includes('SKIP LOCKED'))
            await onClaim(sql, result[0] as unknown[]);
          return result;
        };
      },
    });
  return {
    ...pool,
    acquireClaimSession: async () => observe(await pool.acquireClaimSession()),
  };
}

test('the final sweep takes a row that a concurrent claim held while the range looked empty, then released', async () => {
  await env.pool.query('UPDATE transactions SET sent_to_big_table = TRUE');
  const seeded = await seedBatches(env.pool, 'sweep', 1, 300, 8);
  const instance = env.bigtable.instance(env.resources.bigtable.instance);
  const table = instance.table(env.resources.bigtable.txn.id);
  // Another replicator's claim in flight: it holds the oldest unsent row.
  const holder = await env.pool.getConnection();
  let held: string | undefined;
  let releasedAtEmptyClaim = 0;
  try {
    await holder.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await holder.beginTransaction();
    const claimed = await claimTransactions(holder, 1);
    held = claimed[0]!.id;
    const report = await replicateUnsent(
      {
        sql: observedPool(async (sql, rows) => {
          // The first claim over the whole range (no resume point) that comes back empty: the
          // replicator is about to call the range drained. The other claim rolls back now, before it does.
          if (
            rows.length === 0 &&
            !sql.includes('occurred_at >=') &&
            releasedAtEmptyClaim++ === 0
          )
            await holder.rollback();
        }),
        ...tables(),
      },
      // One worker: nothing but the sweep can claim the row once it is released.
      ONE_WORKER,
    );
    assert.ok(
      releasedAtEmptyClaim >= 1,
      'the range was found empty while the row was held',
    );
    assert.ok(report.drained);
    assert.is(
      report.replicated,
      seeded,
      'every row, the released one included',
    );
  } finally {
    await holder.rollback().catch(() => undefined);
    holder.release();
  }
  assert.is(await countRows(env.pool, 'sent_to_big_table = FALSE'), 0);
  const [rows] = await table.getRows({filter: {column: {cellLimit: 1}}});
  assert.ok(
    rows.some(r => r.id.endsWith(`#${held}`)),
    `the released row ${held} is in Bigtable`,
  );
});

test('a stored row that does not validate stops the run by name, with nothing of its claim written or flagged', async () => {
  await env.pool.query('UPDATE transactions SET sent_to_big_table = TRUE');
  await seedBatches(env.pool, 'invalid', 1, 40);
  const [[bad]] = await env.pool.query<RowDataPacket[]>(
    'SELECT id FROM transactions WHERE sent_to_big_table = FALSE ORDER BY occurred_at LIMIT 1 OFFSET 17',
  );
  await env.pool.query(
    "UPDATE transactions SET currency = 'XXX' WHERE id = ?",
    [bad!.id],
  );
  const instance = env.bigtable.instance(env.resources.bigtable.instance);
  const table = instance.table(env.resources.bigtable.txn.id);
  await table.truncate();
  try {
    const error = await replicateUnsent(
      {sql: env.sql, ...tables()},
      ONE_WORKER,
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.instance(error, StoredTransactionError);
    assert.match(
      (error as Error).message,
      `transaction ${String(bad!.id)}: currency: "XXX" is not a supported currency`,
    );
    assert.is(await countRows(env.pool, 'sent_to_big_table = FALSE'), 40);
    const [rows] = await table.getRows();
    assert.is(rows.length, 0, 'nothing of the claim reached Bigtable');
  } finally {
    await env.pool.query('DELETE FROM transactions WHERE id = ?', [bad!.id]);
  }
});

test.run();
