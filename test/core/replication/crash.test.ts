import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import type {RowDataPacket} from 'mysql2/promise';
import {createLogger} from '../../../core/log';
import {replicateUnsent} from '../../../core/replication/replicate';
import {DEFAULT_WATERMARK_RULE} from '../../../core/replication/watermark-rule';
import {fromRow} from '../../../core/bigtable/txn-row';
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
    env = await suiteEnv('crash');
  }),
);

test.after(async () => {
  await env?.close();
});

test('a crash after the Bigtable write and before the SQL commit: the next run completes, nothing lost or duplicated', async () => {
  const total = await seedBatches(env.pool, 'crash', 3, 1000);
  const fixture = join(__dirname, 'crash-fixture.ts');
  const crashed = spawnSync(process.execPath, ['--import', 'tsx', fixture], {
    env: {
      ...process.env,
      ...env.vars,
      REPLICATE_WORKERS: '1',
      REPLICATE_BATCH_SIZE: '700',
      LOG_LEVEL: 'silent',
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.is(
    crashed.signal,
    'SIGKILL',
    `the fixture died by SIGKILL (status ${crashed.status}, ${crashed.stderr})`,
  );
  assert.match(crashed.stdout, /"crashingAfter":700/);

  const table = env.bigtable
    .instance(env.resources.bigtable.instance)
    .table(env.resources.bigtable.txn.id);
  const [written] = await table.getRows();
  assert.is(written.length, 700, 'the crashed claim reached Bigtable');
  assert.is(
    await countRows(env.pool, 'sent_to_big_table = TRUE'),
    0,
    'but its flags were rolled back with the claim',
  );

  const report = await replicateUnsent(
    {
      sql: env.sql,
      txnTable: table,
      txnSchema: env.resources.bigtable.txn,
      stateTable: env.bigtable
        .instance(env.resources.bigtable.instance)
        .table(env.resources.bigtable.state.id),
      stateSchema: env.resources.bigtable.state,
      log: createLogger('test', undefined, 'silent'),
    },
    {
      batchSize: 500,
      workers: 2,
      budgetMs: 60_000,
      writeTimeoutMs: 30_000,
      watermark: DEFAULT_WATERMARK_RULE,
    },
  );
  assert.is(
    report.replicated,
    total,
    'the next run re-sent the crashed claim too',
  );
  assert.ok(report.drained);
  assert.is(await countRows(env.pool, 'sent_to_big_table = FALSE'), 0);

  const [rows] = await table.getRows();
  assert.is(rows.length, total, 'no row lost, no extra row');
  assert.equal(
    await cellVersionRange(table),
    [1, 1],
    'the re-written cells replaced themselves: one version each',
  );
  const [sqlRows] = await env.pool.query<RowDataPacket[]>(
    'SELECT id, amount_minor, account_id FROM transactions',
  );
  const byId = new Map(sqlRows.map(r => [r.id as string, r]));
  for (const row of rows) {
    const txn = fromRow(row as never, env.resources.bigtable.txn);
    assert.is(txn.amountMinor.toString(), byId.get(txn.id)?.amount_minor);
    assert.is(txn.accountId, byId.get(txn.id)?.account_id);
  }
});

test.run();
