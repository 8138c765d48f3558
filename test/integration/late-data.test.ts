/**
 * Time and late data across the real steps: generation (core, no HTTP), replication and the daily
 * job, on MariaDB, the Bigtable emulator and a local summary store. Signals are not delivered:
 * each test decides when replication runs, the way a late or lost signal would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Day, addDays, dayOf } from '../../core/day';
import { generateBatch } from '../../core/generation/generate';
import { type Generator, loadGenerator } from '../../core/generation/generator';
import { batchIdForKey } from '../../core/generation/slot';
import { DEFAULT_WATERMARK_RULE } from '../../core/replication/watermark-rule';
import { replicateUnsent } from '../../core/replication/replicate';
import { type DailySummaryReport, runDailySummary } from '../../core/summary/daily-summary';
import type { DayScope } from '../../core/summary/plan';
import { decodeSummaryCsv, summaryFileName } from '../../core/summary-csv';
import { lowerWatermark, readStoredWatermark, readWatermark, replaceWatermark } from '../../core/watermark';
import { sqlPoolOf } from '../functions/fixtures';
import { localStore, memoryLogger, type TestStore } from '../core/summary/stores';
import { printingErrors } from '../support/hooks';
import { type SuiteEnv, suiteEnv } from '../support/suite-env';

const H = 3_600_000;
let env: SuiteEnv;
let generator: Generator;
let store: TestStore;

test.before(
  printingErrors(async () => {
    env = await suiteEnv('late-data');
    generator = await loadGenerator();
    store = localStore();
  }),
);

test.after(async () => {
  await store?.cleanup();
  await env?.close();
});

const tables = () => {
  const instance = env.bigtable.instance(env.resources.bigtable.instance);
  return { instance, txnTable: instance.table(env.resources.bigtable.txn.id), stateTable: instance.table(env.resources.bigtable.state.id) };
};

/** One generation through core, its signal recorded and never delivered. */
async function generate(slotStart: Date, count: number, key?: string) {
  const signals: unknown[] = [];
  const { stateTable } = tables();
  const batchId = key ? batchIdForKey(key) : `slot-${slotStart.toISOString().slice(0, 13).replace(/[-T]/g, '')}`;
  return generateBatch(
    {
      sql: sqlPoolOf(env.pool),
      generator,
      publisher: { publish: async (signal) => String(signals.push(signal)) },
      stateTable,
      stateSchema: env.resources.bigtable.state,
      log: memoryLogger().log,
    },
    { slotStart, count, batchId },
  );
}

async function replicate(now?: Date, log = memoryLogger().log) {
  const { txnTable, stateTable } = tables();
  return replicateUnsent(
    { sql: sqlPoolOf(env.pool), txnTable, txnSchema: env.resources.bigtable.txn, stateTable, stateSchema: env.resources.bigtable.state, log },
    { batchSize: 500, workers: 2, budgetMs: 60_000, writeTimeoutMs: 30_000, watermark: DEFAULT_WATERMARK_RULE, ...(now ? { now: () => now } : {}) },
  );
}

async function runJob(scope: DayScope, now?: Date): Promise<DailySummaryReport & { lines: Array<Record<string, unknown>> }> {
  const { txnTable, stateTable } = tables();
  const { log, lines } = memoryLogger();
  const report = await runDailySummary(
    { txnTable, txnSchema: env.resources.bigtable.txn, stateTable, stateSchema: env.resources.bigtable.state, store: store.store, log, ...(now ? { now: () => now } : {}) },
    { scope },
  );
  return { ...report, lines };
}

async function summarizedCount(day: Day): Promise<number> {
  const csv = decodeSummaryCsv((await store.store.read(summaryFileName(day))).toString('utf8'));
  const total = csv.rows.find((r) => r.kind === 'grand-total');
  return total ? total.count : -1;
}

const hourAgo = (hours: number) => new Date(Math.floor(Date.now() / H) * H - hours * H);

test('fault 3: a backfill committed but not yet replicated holds its day back; it is never summarized with 0', async () => {
  // A live pipeline: replication has recorded a watermark near now.
  await replicate();
  const before = await readWatermark(tables().stateTable, env.resources.bigtable.state);
  assert.ok(before && before.getTime() > Date.now() - 3 * H, `watermark near now, got ${before?.toISOString()}`);

  const slot = hourAgo(72);
  const day = dayOf(slot);
  const outcome = await generate(slot, 400, 'late-backfill-1');
  assert.ok(outcome.created);

  const held = await runJob({ kind: 'range', from: day, to: day });
  assert.equal(held.plan.heldBack, [day], 'the day waits for its rows');
  assert.equal(held.outcomes, []);
  assert.equal(await store.store.list(summaryFileName(day)), [], 'nothing written');
  assert.equal(await readWatermark(tables().stateTable, env.resources.bigtable.state), slot, 'generation lowered the watermark to its slot');

  await replicate();
  const written = await runJob({ kind: 'range', from: day, to: day });
  assert.equal(written.plan.toSummarize, [day]);
  assert.is(await summarizedCount(day), 400);
});

test('a replicator whose snapshot predates a lowering cannot write over it', async () => {
  const { stateTable } = tables();
  const schema = env.resources.bigtable.state;
  await replicate();
  const high = await readWatermark(stateTable, schema);
  const staleRead = await readStoredWatermark(stateTable, schema); // a replicator reads, then its SQL...
  const slot = hourAgo(50);
  assert.equal(await lowerWatermark(stateTable, schema, slot), high, '...while a generation lowers it');
  assert.not.ok(await replaceWatermark(stateTable, schema, staleRead, high!), 'the stale compare-and-set fails');
  assert.equal(await readWatermark(stateTable, schema), slot);
  assert.is(await lowerWatermark(stateTable, schema, hourAgo(40)), undefined, 'a later slot does not raise it');
  assert.ok(await replaceWatermark(stateTable, schema, await readStoredWatermark(stateTable, schema), high!), 'a fresh read may');
});

/** The cron schedules scripts/deploy.sh gives Cloud Scheduler, by job name. */
function deployedSchedule(job: string): string[] {
  const script = readFileSync(join(__dirname, '..', '..', 'scripts', 'deploy.sh'), 'utf8');
  const match = new RegExp(`scheduler_http_job ${job} [^\\n]*\\n\\s*--schedule="([^"]+)"`).exec(script);
  if (!match) throw new Error(`scripts/deploy.sh has no --schedule for ${job}`);
  return match[1]!.split(' ');
}

test('fault 4: through a simulated midnight on the deployed schedule, the 01:00 job writes yesterday; a missed slot is passed with a WARNING', async () => {
  const generateCron = deployedSchedule('generate-hourly');
  const jobCron = deployedSchedule('daily-summary-0100');
  assert.equal(generateCron.slice(1), ['*', '*', '*', '*'], 'generation runs every hour');
  assert.equal(jobCron.slice(2), ['*', '*', '*'], 'the job runs once a day');
  const runMinute = Number(generateCron[0]);
  const [jobMinute, jobHour] = jobCron.map(Number) as [number, number];

  const day = '2026-03-10';
  const next = addDays(day, 1);
  const at = (d: Day, hour: number, minute: number, second = 0) => new Date(Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10), hour, minute, second));
  const REPLICATION_DELAY_S = 40;
  const runs: Date[] = [];
  for (let hour = 17; hour <= 23; hour++) runs.push(at(day, hour, runMinute));
  for (let hour = 0; hour <= jobHour; hour++) runs.push(at(next, hour, runMinute));
  const outage = at(day, 21, runMinute); // the scheduler misses the run for the 20:00 slot
  const perSlot = 30;
  const history: Array<{ replicatedAt: Date; watermark: Date }> = [];
  const warnings: Array<Record<string, unknown>> = [];
  let generatedOnDay = 0;
  for (const runAt of runs) {
    if (runAt > at(next, jobHour, jobMinute)) break;
    const slot = new Date(Math.floor(runAt.getTime() / H) * H - H);
    if (runAt.getTime() !== outage.getTime()) {
      await generate(slot, perSlot);
      if (dayOf(slot) === day) generatedOnDay += perSlot;
    }
    if (runAt.getTime() === at(next, jobHour, runMinute).getTime()) break; // the job's hour: its generation's replication comes after the job
    const replicatedAt = new Date(runAt.getTime() + REPLICATION_DELAY_S * 1000);
    const { log, lines } = memoryLogger();
    const report = await replicate(replicatedAt, log);
    history.push({ replicatedAt, watermark: report.watermark });
    warnings.push(...lines.filter((line) => line.severity === 'WARNING' && Array.isArray(line.passedSlots)));
  }
  const watermarkAt = (h: Date) => history.find((entry) => entry.replicatedAt.getTime() === h.getTime() + REPLICATION_DELAY_S * 1000)?.watermark;
  assert.equal(watermarkAt(at(day, 22, runMinute)), at(day, 20, 0), 'the missed 20:00 slot holds the watermark while its run may still come');
  assert.equal(watermarkAt(at(day, 23, runMinute)), at(day, 23, 0), 'two hours after it was due, it is passed');
  assert.ok(
    warnings.some((line) => (line.passedSlots as string[]).includes(at(day, 20, 0).toISOString())),
    'passing it is logged at WARNING with the slot',
  );
  assert.equal(watermarkAt(at(next, 0, runMinute)), at(next, 0, 0), 'the replication after the 00:00 run carries the watermark to midnight');

  const job = await runJob({ kind: 'recent', lookbackDays: 1 }, at(next, jobHour, jobMinute, 5));
  assert.equal(job.plan.heldBack, [], 'nothing held back at 01:00');
  assert.equal(job.plan.toSummarize, [day], 'the 01:00 job writes yesterday');
  assert.is(await summarizedCount(day), generatedOnDay);

  // How far the watermark trails the clock on this schedule, sampled each minute from 23:01 to 01:00.
  const lags: number[] = [];
  for (let t = at(day, 23, 1).getTime(); t < at(next, jobHour, 0).getTime(); t += 60_000) {
    const last = history.filter((entry) => entry.replicatedAt.getTime() <= t).at(-1);
    if (last) lags.push((t - last.watermark.getTime()) / 60_000);
  }
  console.log(`watermark lag on the deployed schedule (replication ${REPLICATION_DELAY_S} s after each run): ${Math.min(...lags)}-${Math.max(...lags)} min`);
});

test.run();
