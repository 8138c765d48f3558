import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  computeWatermark,
  readWatermarkInputs,
  schedulingHorizon,
  watermarkOf,
} from '../../../core/replication/watermark-rule';
import {insertBatch} from '../../../core/sql/generation-batches';
import {
  closeGenerationLease,
  openGenerationLease,
} from '../../../core/sql/generation-leases';
import {markSent} from '../../../core/sql/transactions';
import {loadGenerator} from '../../../core/generation/generator';
import {batchIdForKey} from '../../../core/generation/slot';
import {type SuiteEnv, suiteEnv} from '../../support/suite-env';
import {sqlPoolOf} from '../../functions/fixtures';
import {printingErrors} from '../../support/hooks';

const H = 3_600_000;
const rule = {missedSlotMs: 120 * 60_000, leaseTtlMs: 60 * 60_000};

const slotsFrom = (first: string, count: number) =>
  Array.from(
    {length: count},
    (_, i) => new Date(new Date(first).getTime() + i * H),
  );

test('the horizon: the start of the current hour once every scheduled slot before it has its batch', () => {
  const now = new Date('2026-11-27T10:00:40.000Z');
  const all = slotsFrom('2026-11-25T00:00:00.000Z', 58); // up to the 09:00 slot, generated at 10:00
  assert.equal(schedulingHorizon(now, 2 * H, all), {
    horizon: new Date('2026-11-27T10:00:00.000Z'),
    passedSlots: [],
  });
});

test('the horizon: a slot still waiting for its batch holds it, until it is missedSlotMs overdue', () => {
  const all = slotsFrom('2026-11-25T00:00:00.000Z', 58);
  const without07 = all.filter(
    slot => slot.getTime() !== Date.parse('2026-11-27T07:00:00.000Z'),
  );
  // The 07:00 slot was due at 08:00; with a 2 h bound it holds the horizon until 10:00.
  assert.equal(
    schedulingHorizon(new Date('2026-11-27T09:59:59.999Z'), 2 * H, without07)
      .horizon,
    new Date('2026-11-27T07:00:00.000Z'),
  );
  const passed = schedulingHorizon(
    new Date('2026-11-27T10:00:00.000Z'),
    2 * H,
    without07,
  );
  assert.equal(passed, {
    horizon: new Date('2026-11-27T10:00:00.000Z'),
    passedSlots: [new Date('2026-11-27T07:00:00.000Z')],
  });
  // The 09:00 slot's run (due 10:00) has not committed yet at 10:00:10: it holds the horizon.
  const before09 = all.slice(0, -1);
  assert.equal(
    schedulingHorizon(new Date('2026-11-27T10:00:10.000Z'), 2 * H, before09)
      .horizon,
    new Date('2026-11-27T09:00:00.000Z'),
  );
  // The earliest waiting slot wins (a 3 h bound keeps 07:00 waiting at 10:00:10).
  assert.equal(
    schedulingHorizon(
      new Date('2026-11-27T10:00:10.000Z'),
      3 * H,
      without07.slice(0, -1),
    ).horizon,
    new Date('2026-11-27T07:00:00.000Z'),
  );
});

test('the watermark is the earliest of horizon, oldest unsent, oldest live lease', () => {
  const horizon = new Date('2026-11-27T08:00:00.000Z');
  assert.equal(
    watermarkOf({
      horizon,
      passedSlots: [],
      oldestUnsent: null,
      oldestLeaseSlot: null,
    }),
    horizon,
  );
  assert.equal(
    watermarkOf({
      horizon,
      passedSlots: [],
      oldestUnsent: new Date('2026-11-27T07:12:00.000Z'),
      oldestLeaseSlot: null,
    }),
    new Date('2026-11-27T07:12:00.000Z'),
  );
  assert.equal(
    watermarkOf({
      horizon,
      passedSlots: [],
      oldestUnsent: new Date('2026-11-27T07:12:00.000Z'),
      oldestLeaseSlot: new Date('2026-11-26T03:00:00.000Z'),
    }),
    new Date('2026-11-26T03:00:00.000Z'),
  );
  assert.equal(
    watermarkOf({
      horizon,
      passedSlots: [],
      oldestUnsent: new Date('2026-11-27T09:00:00.000Z'),
      oldestLeaseSlot: null,
    }),
    horizon,
  );
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
  const {horizon} = schedulingHorizon(now, rule.missedSlotMs, []);
  assert.equal(
    await computeWatermark(sql, rule, now),
    horizon,
    'empty database: the horizon',
  );

  // A backfill for an hour two days ago starts: its lease holds the watermark at its slot...
  const backfillSlot = new Date(Math.floor(now.getTime() / H) * H - 48 * H);
  const batchId = batchIdForKey('backfill-48h');
  const leaseId = await openGenerationLease(sql, batchId, backfillSlot);
  assert.equal(
    await computeWatermark(sql, rule, now),
    backfillSlot,
    'the lease holds it',
  );

  // ...its rows commit (the lease goes in the same transaction): now the unsent rows hold it.
  const generator = await loadGenerator();
  const transactions = generator.generate({
    batchId,
    slotStart: backfillSlot,
    count: 50,
  });
  assert.ok(
    (
      await insertBatch(sql, {
        batchId,
        slotStart: backfillSlot,
        transactions,
        leaseId,
      })
    ).created,
  );
  const inputs = await readWatermarkInputs(sql, rule, now);
  assert.is(inputs.oldestLeaseSlot, null, 'the commit removed the lease');
  assert.equal(inputs.oldestUnsent, transactions[0]!.occurredAt);
  assert.equal(
    await computeWatermark(sql, rule, now),
    transactions[0]!.occurredAt,
  );

  // Half of it replicated: the oldest still unsent holds it.
  const connection = await env.pool.getConnection();
  try {
    await markSent(
      connection,
      transactions.slice(0, 25).map(t => t.id),
    );
  } finally {
    connection.release();
  }
  assert.equal(
    await computeWatermark(sql, rule, now),
    transactions[25]!.occurredAt,
  );

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
  await env.pool.query(
    'UPDATE generation_leases SET started_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR WHERE lease_id = ?',
    [leaseId],
  );
  assert.equal(
    await computeWatermark(sql, rule, now),
    schedulingHorizon(now, rule.missedSlotMs, []).horizon,
  );
  await closeGenerationLease(sql, leaseId);
});

test('a lease counts for its whole time to live (one hour) and stops just past it', async () => {
  const sql = sqlPoolOf(env.pool);
  const now = new Date();
  const slot = new Date(Math.floor(now.getTime() / H) * H - 30 * H);
  const leaseId = await openGenerationLease(sql, 'key-ttl', slot);
  try {
    // Ages set in the database's own clock, the one the rule compares with: half the TTL, then just past it.
    const age = (seconds: number) =>
      env.pool.query(
        'UPDATE generation_leases SET started_at = UTC_TIMESTAMP(3) - INTERVAL ? SECOND WHERE lease_id = ?',
        [seconds, leaseId],
      );
    await age(30 * 60);
    assert.equal(
      await computeWatermark(sql, rule, now),
      slot,
      'a lease 30 minutes old still holds the watermark',
    );
    await age(60 * 60 - 30);
    assert.equal(
      await computeWatermark(sql, rule, now),
      slot,
      'a lease 30 s short of the TTL still holds it',
    );
    await age(60 * 60 + 30);
    assert.equal(
      await computeWatermark(sql, rule, now),
      schedulingHorizon(now, rule.missedSlotMs, []).horizon,
      'a lease 30 s past the TTL no longer does',
    );
  } finally {
    await closeGenerationLease(sql, leaseId);
  }
});

test.run();
