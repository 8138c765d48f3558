import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../../../core/log';
import { replicateUnsent } from '../../../core/replication/replicate';
import { DEFAULT_WATERMARK_RULE } from '../../../core/replication/watermark-rule';
import { type SuiteEnv, suiteEnv } from '../../support/suite-env';
import { cellVersionRange, countRows, seedBatches, sqlPoolOf } from '../../functions/fixtures';
import { printingErrors } from '../../support/hooks';

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
      sql: sqlPoolOf(env.pool),
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

test.run();
