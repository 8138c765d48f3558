import { Writable } from 'node:stream';
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

test('the completion line carries watermarkLagSeconds, the value the lag alert (a log-based metric) extracts', async () => {
  await seedBatches(env.pool, 'lag', 1, 50);
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const instance = env.bigtable.instance(env.resources.bigtable.instance);
  const now = new Date('2026-12-01T10:30:00.000Z');
  const report = await replicateUnsent(
    {
      sql: sqlPoolOf(env.pool),
      txnTable: instance.table(env.resources.bigtable.txn.id),
      txnSchema: env.resources.bigtable.txn,
      stateTable: instance.table(env.resources.bigtable.state.id),
      stateSchema: env.resources.bigtable.state,
      log: createLogger('pubsubReplicate', sink),
    },
    { batchSize: 100, workers: 1, budgetMs: 60_000, writeTimeoutMs: 30_000, watermark: DEFAULT_WATERMARK_RULE, now: () => now },
  );
  const complete = lines.find((line) => line.message === 'replication complete');
  assert.ok(complete, JSON.stringify(lines));
  // scripts/alerts/replication-watermark-lag.metric.json filters on these two fields.
  assert.is(complete!.component, 'pubsubReplicate');
  assert.is(complete!.watermarkLagSeconds, (now.getTime() - report.watermark.getTime()) / 1000);
  assert.ok(Number(complete!.watermarkLagSeconds) >= 3600, 'the scheduling horizon keeps the watermark at least an hour behind');
});

test.run();
