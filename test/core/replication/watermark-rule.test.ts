import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeWatermark, readWatermarkInputs, schedulingHorizon, watermarkOf } from '../../../core/replication/watermark-rule';
import { insertBatch } from '../../../core/sql/generation-batches';
import { closeGenerationLease, openGenerationLease } from '../../../core/sql/generation-leases';
import { markSent } from '../../../core/sql/transactions';
import { loadGenerator } from '../../../core/generation/generator';
import { batchIdForKey } from '../../../core/generation/slot';
import { type SuiteEnv, suiteEnv } from '../../support/suite-env';
import { sqlPoolOf } from '../../functions/fixtures';
import { printingErrors } from '../../support/hooks';

const H = 3_600_000;
const rule = { graceMs: 60 * 60_000, leaseTtlMs: 60 * 60_000 };

test('the horizon: the hour before the last hour a scheduled run (with its retries) may still produce', () => {
  const now = new Date('2026-11-27T10:30:00.000Z');
  assert.equal(schedulingHorizon(now, 60 * 60_000), new Date('2026-11-27T08:00:00.000Z'));
  assert.equal(schedulingHorizon(now, 0), new Date('2026-11-27T09:00:00.000Z'));
  assert.equal(schedulingHorizon(new Date('2026-11-27T11:00:00.000Z'), 60 * 60_000), new Date('2026-11-27T09:00:00.000Z'));
});

test('the watermark is the earliest of horizon, oldest unsent, oldest live lease', () => {
  const horizon = new Date('2026-11-27T08:00:00.000Z');
  assert.equal(watermarkOf({ horizon, oldestUnsent: null, oldestLeaseSlot: null }), horizon);
  assert.equal(watermarkOf({ horizon, oldestUnsent: new Date('2026-11-27T07:12:00.000Z'), oldestLeaseSlot: null }), new Date('2026-11-27T07:12:00.000Z'));
  assert.equal(
    watermarkOf({ horizon, oldestUnsent: new Date('2026-11-27T07:12:00.000Z'), oldestLeaseSlot: new Date('2026-11-26T03:00:00.000Z') }),
    new Date('2026-11-26T03:00:00.000Z'),
  );
  assert.equal(watermarkOf({ horizon, oldestUnsent: new Date('2026-11-27T09:00:00.000Z'), oldestLeaseSlot: null }), horizon);
});

let env: SuiteEnv;

test.before(
  printingErrors(async () => {
    env = await suiteEnv('watermark');
  }),
);

test.after(async () => {
  await env?.close();
});

test('against the database: unsent rows, an in-flight generation (lease) and a backfill hold the watermark back', async () => {
  const sql = sqlPoolOf(env.pool);
  const now = new Date();
  const horizon = schedulingHorizon(now, rule.graceMs);
  assert.equal(await computeWatermark(sql, rule, now), horizon, 'empty database: the horizon');

  // A backfill for an hour two days ago starts: its lease holds the watermark at its slot...
  const backfillSlot = new Date(Math.floor(now.getTime() / H) * H - 48 * H);
  const batchId = batchIdForKey('backfill-48h');
  const leaseId = await openGenerationLease(sql, batchId, backfillSlot);
  assert.equal(await computeWatermark(sql, rule, now), backfillSlot, 'the lease holds it');

  // ...its rows commit (the lease goes in the same transaction): now the unsent rows hold it.
  const generator = await loadGenerator();
  const transactions = generator.generate({ batchId, slotStart: backfillSlot, count: 50 });
  assert.ok((await insertBatch(sql, { batchId, slotStart: backfillSlot, transactions, leaseId })).created);
  const inputs = await readWatermarkInputs(sql, rule, now);
  assert.is(inputs.oldestLeaseSlot, null, 'the commit removed the lease');
  assert.equal(inputs.oldestUnsent, transactions[0]!.occurredAt);
  assert.equal(await computeWatermark(sql, rule, now), transactions[0]!.occurredAt);

  // Half of it replicated: the oldest still unsent holds it.
  const connection = await env.pool.getConnection();
  try {
    await markSent(connection, transactions.slice(0, 25).map((t) => t.id));
  } finally {
    connection.release();
  }
  assert.equal(await computeWatermark(sql, rule, now), transactions[25]!.occurredAt);

  // All replicated: back to the horizon.
  await env.pool.query('UPDATE transactions SET sent_to_big_table = TRUE');
  assert.equal(await computeWatermark(sql, rule, now), horizon);
});

test('a lease older than its time to live (a generator that died) stops holding the watermark', async () => {
  const sql = sqlPoolOf(env.pool);
  const now = new Date();
  const slot = new Date(Math.floor(now.getTime() / H) * H - 30 * H);
  const leaseId = await openGenerationLease(sql, 'key-dead', slot);
  assert.equal(await computeWatermark(sql, rule, now), slot);
  await env.pool.query('UPDATE generation_leases SET started_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR WHERE lease_id = ?', [leaseId]);
  assert.equal(await computeWatermark(sql, rule, now), schedulingHorizon(now, rule.graceMs));
  await closeGenerationLease(sql, leaseId);
});

test('a lease counts for its whole time to live (one hour) and stops just past it', async () => {
  const sql = sqlPoolOf(env.pool);
  const now = new Date();
  const slot = new Date(Math.floor(now.getTime() / H) * H - 30 * H);
  const leaseId = await openGenerationLease(sql, 'key-ttl', slot);
  try {
    // Ages set in the database's own clock, the one the rule compares with: half the TTL, then just past it.
    const age = (seconds: number) => env.pool.query('UPDATE generation_leases SET started_at = UTC_TIMESTAMP(3) - INTERVAL ? SECOND WHERE lease_id = ?', [seconds, leaseId]);
    await age(30 * 60);
    assert.equal(await computeWatermark(sql, rule, now), slot, 'a lease 30 minutes old still holds the watermark');
    await age(60 * 60 - 30);
    assert.equal(await computeWatermark(sql, rule, now), slot, 'a lease 30 s short of the TTL still holds it');
    await age(60 * 60 + 30);
    assert.equal(await computeWatermark(sql, rule, now), schedulingHorizon(now, rule.graceMs), 'a lease 30 s past the TTL no longer does');
  } finally {
    await closeGenerationLease(sql, leaseId);
  }
});

test.run();
