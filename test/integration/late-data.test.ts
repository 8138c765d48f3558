/**
 * Time and late data across the real steps: generation (core, no HTTP), replication and the daily
 * job, on MariaDB, the Bigtable emulator and a local summary store. Signals are not delivered:
 * each test decides when replication runs, the way a late or lost signal would.
 */
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {type Day, addDays, dayOf} from '../../core/day';
import {generateBatch} from '../../core/generation/generate';
import {type Generator, loadGenerator} from '../../core/generation/generator';
import {batchIdForKey} from '../../core/generation/slot';
import {DEFAULT_WATERMARK_RULE} from '../../core/replication/watermark-rule';
import {replicateUnsent} from '../../core/replication/replicate';
import {
  type DailySummaryReport,
  runDailySummary,
} from '../../core/summary/daily-summary';
import type {DayScope} from '../../core/summary/plan';
import {decodeSummaryCsv, summaryFileName} from '../../core/summary-csv';
import {
  lowerWatermark,
  readStoredWatermark,
  readWatermark,
  replaceWatermark,
} from '../../core/bigtable/pipeline-state';
import type {RowDataPacket} from 'mysql2/promise';
import {endOfDay, startOfDay} from '../../core/day';
import {formatMinor, type Currency} from '../../core/money';
import type {ObjectStore} from '../../core/storage/object-store';
import {closeSharedBlockingClients} from '../../flex-template/blocking-client';
import {pipelineConfig, runnerFor} from '../../flex-template/main';
import {parseOptions} from '../../flex-template/options';
import {summaryLoadPipeline} from '../../flex-template/pipeline';
import {readSummaryTable} from '../flex-template/summary-fixtures';
import {sqlPoolOf} from '../functions/fixtures';
import {
  gcsStore,
  localStore,
  memoryLogger,
  type TestStore,
} from '../core/summary/stores';
import {printingErrors} from '../support/hooks';
import {type SuiteEnv, suiteEnv} from '../support/suite-env';

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
  closeSharedBlockingClients();
  await store?.cleanup();
  await env?.close();
});

const tables = () => {
  const instance = env.bigtable.instance(env.resources.bigtable.instance);
  return {
    instance,
    txnTable: instance.table(env.resources.bigtable.txn.id),
    stateTable: instance.table(env.resources.bigtable.state.id),
  };
};

/** One generation through core, its signal recorded and never delivered. */
async function generate(slotStart: Date, count: number, key?: string) {
  const signals: unknown[] = [];
  const {stateTable} = tables();
  const batchId = key
    ? batchIdForKey(key)
    : `slot-${slotStart.toISOString().slice(0, 13).replace(/[-T]/g, '')}`;
  return generateBatch(
    {
      sql: sqlPoolOf(env.pool),
      generator,
      publisher: {publish: async signal => String(signals.push(signal))},
      stateTable,
      stateSchema: env.resources.bigtable.state,
      log: memoryLogger().log,
    },
    {slotStart, count, batchId},
  );
}

async function replicate(now?: Date, log = memoryLogger().log) {
  const {txnTable, stateTable} = tables();
  return replicateUnsent(
    {
      sql: env.sql,
      txnTable,
      txnSchema: env.resources.bigtable.txn,
      stateTable,
      stateSchema: env.resources.bigtable.state,
      log,
    },
    {
      batchSize: 500,
      workers: 2,
      budgetMs: 60_000,
      writeTimeoutMs: 30_000,
      watermark: DEFAULT_WATERMARK_RULE,
      ...(now ? {now: () => now} : {}),
    },
  );
}

async function runJob(
  scope: DayScope,
  now?: Date,
  target: ObjectStore = store.store,
): Promise<DailySummaryReport & {lines: Array<Record<string, unknown>>}> {
  const {txnTable, stateTable} = tables();
  const {log, lines} = memoryLogger();
  const report = await runDailySummary(
    {
      txnTable,
      txnSchema: env.resources.bigtable.txn,
      stateTable,
      stateSchema: env.resources.bigtable.state,
      store: target,
      log,
      ...(now ? {now: () => now} : {}),
    },
    {scope},
  );
  return {...report, lines};
}

async function summarizedCount(
  day: Day,
  target: ObjectStore = store.store,
): Promise<number> {
  const csv = decodeSummaryCsv(
    (await target.read(summaryFileName(day))).toString('utf8'),
  );
  const total = csv.rows.find(r => r.kind === 'grand-total');
  return total ? total.count : -1;
}

const hourAgo = (hours: number) =>
  new Date(Math.floor(Date.now() / H) * H - hours * H);

test('fault 3: a backfill committed but not yet replicated holds its day back; it is never summarized with 0', async () => {
  // A live pipeline: replication has recorded a watermark near now.
  await replicate();
  const before = await readWatermark(
    tables().stateTable,
    env.resources.bigtable.state,
  );
  assert.ok(
    before && before.getTime() > Date.now() - 3 * H,
    `watermark near now, got ${before?.toISOString()}`,
  );

  const slot = hourAgo(72);
  const day = dayOf(slot);
  const outcome = await generate(slot, 400, 'late-backfill-1');
  assert.ok(outcome.created);

  const held = await runJob({kind: 'range', from: day, to: day});
  assert.equal(held.plan.heldBack, [day], 'the day waits for its rows');
  assert.equal(held.outcomes, []);
  assert.equal(
    await store.store.list(summaryFileName(day)),
    [],
    'nothing written',
  );
  assert.equal(
    await readWatermark(tables().stateTable, env.resources.bigtable.state),
    slot,
    'generation lowered the watermark to its slot',
  );

  await replicate();
  const written = await runJob({kind: 'range', from: day, to: day});
  assert.equal(written.plan.toSummarize, [day]);
  assert.is(await summarizedCount(day), 400);
});

test('a replicator whose snapshot predates a lowering cannot write over it', async () => {
  const {stateTable} = tables();
  const schema = env.resources.bigtable.state;
  await replicate();
  const high = await readWatermark(stateTable, schema);
  const staleRead = await readStoredWatermark(stateTable, schema); // a replicator reads, then its SQL...
  const slot = hourAgo(50);
  assert.equal(
    await lowerWatermark(stateTable, schema, slot),
    high,
    '...while a generation lowers it',
  );
  assert.not.ok(
    await replaceWatermark(stateTable, schema, staleRead, high!),
    'the stale compare-and-set fails',
  );
  assert.equal(await readWatermark(stateTable, schema), slot);
  assert.is(
    await lowerWatermark(stateTable, schema, hourAgo(40)),
    undefined,
    'a later slot does not raise it',
  );
  assert.ok(
    await replaceWatermark(
      stateTable,
      schema,
      await readStoredWatermark(stateTable, schema),
      high!,
    ),
    'a fresh read may',
  );
});

/** The cron schedules the deploy scripts (scripts/parts/*.sh) give Cloud Scheduler, by job name. */
function deployedSchedule(job: string): string[] {
  const parts = join(__dirname, '..', '..', 'scripts', 'parts');
  const script = readdirSync(parts)
    .filter(name => name.endsWith('.sh'))
    .map(name => readFileSync(join(parts, name), 'utf8'))
    .join('\n');
  const match = new RegExp(
    `scheduler_http_job ${job} [^\\n]*\\n\\s*--schedule="([^"]+)"`,
  ).exec(script);
  if (!match)
    throw new Error(`scripts/parts/*.sh has no --schedule for ${job}`);
  return match[1]!.split(' ');
}

test('fault 4: through a simulated midnight on the deployed schedule, the 01:00 job writes yesterday; a missed slot is passed with a WARNING', async () => {
  const generateCron = deployedSchedule('generate-hourly');
  const jobCron = deployedSchedule('daily-summary-0100');
  assert.equal(
    generateCron.slice(1),
    ['*', '*', '*', '*'],
    'generation runs every hour',
  );
  assert.equal(jobCron.slice(2), ['*', '*', '*'], 'the job runs once a day');
  const runMinute = Number(generateCron[0]);
  const [jobMinute, jobHour] = jobCron.map(Number) as [number, number];

  const day = '2026-03-10';
  const next = addDays(day, 1);
  const at = (d: Day, hour: number, minute: number, second = 0) =>
    new Date(
      Date.UTC(
        +d.slice(0, 4),
        +d.slice(5, 7) - 1,
        +d.slice(8, 10),
        hour,
        minute,
        second,
      ),
    );
  const REPLICATION_DELAY_S = 40;
  const runs: Date[] = [];
  for (let hour = 17; hour <= 23; hour++) runs.push(at(day, hour, runMinute));
  for (let hour = 0; hour <= jobHour; hour++)
    runs.push(at(next, hour, runMinute));
  const outage = at(day, 21, runMinute); // the scheduler misses the run for the 20:00 slot
  const perSlot = 30;
  const history: Array<{replicatedAt: Date; watermark: Date}> = [];
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
    const {log, lines} = memoryLogger();
    const report = await replicate(replicatedAt, log);
    history.push({replicatedAt, watermark: report.watermark});
    warnings.push(
      ...lines.filter(
        line => line.severity === 'WARNING' && Array.isArray(line.passedSlots),
      ),
    );
  }
  const watermarkAt = (h: Date) =>
    history.find(
      entry =>
        entry.replicatedAt.getTime() ===
        h.getTime() + REPLICATION_DELAY_S * 1000,
    )?.watermark;
  assert.equal(
    watermarkAt(at(day, 22, runMinute)),
    at(day, 20, 0),
    'the missed 20:00 slot holds the watermark while its run may still come',
  );
  assert.equal(
    watermarkAt(at(day, 23, runMinute)),
    at(day, 23, 0),
    'two hours after it was due, it is passed',
  );
  assert.ok(
    warnings.some(line =>
      (line.passedSlots as string[]).includes(at(day, 20, 0).toISOString()),
    ),
    'passing it is logged at WARNING with the slot',
  );
  assert.equal(
    watermarkAt(at(next, 0, runMinute)),
    at(next, 0, 0),
    'the replication after the 00:00 run carries the watermark to midnight',
  );

  const job = await runJob(
    {kind: 'recent', lookbackDays: 1},
    at(next, jobHour, jobMinute, 5),
  );
  assert.equal(job.plan.heldBack, [], 'nothing held back at 01:00');
  assert.equal(job.plan.toSummarize, [day], 'the 01:00 job writes yesterday');
  assert.is(await summarizedCount(day), generatedOnDay);

  // How far the watermark trails the clock on this schedule, sampled each minute from 23:01 to 01:00.
  const lags: number[] = [];
  for (
    let t = at(day, 23, 1).getTime();
    t < at(next, jobHour, 0).getTime();
    t += 60_000
  ) {
    const last = history
      .filter(entry => entry.replicatedAt.getTime() <= t)
      .at(-1);
    if (last) lags.push((t - last.watermark.getTime()) / 60_000);
  }
  console.log(
    `watermark lag on the deployed schedule (replication ${REPLICATION_DELAY_S} s after each run): ${Math.min(...lags)}-${Math.max(...lags)} min`,
  );
});

test('fault 5: a first run without SUMMARY_FIRST_DAY writes no empty day, and a later backfill of one is summarized', async () => {
  const fresh = await gcsStore();
  try {
    await replicate();
    const first = await runJob(
      {kind: 'recent', lookbackDays: 31},
      undefined,
      fresh.store,
    );
    const emptyDay = addDays(dayOf(new Date()), -20);
    assert.equal(
      await fresh.store.list(summaryFileName(emptyDay)),
      [],
      'the empty day has no file',
    );
    for (const outcome of first.outcomes) {
      if (outcome.status === 'written')
        assert.ok(
          outcome.transactions > 0,
          `${outcome.day} written with 0 transactions`,
        );
    }
    assert.ok(
      first.plan.empty.includes(emptyDay),
      `${emptyDay} had no transactions: ${JSON.stringify(first.plan)}`,
    );

    await generate(
      new Date(startOfDay(emptyDay).getTime() + 9 * H),
      120,
      'late-empty-day',
    );
    await replicate();
    const second = await runJob(
      {kind: 'recent', lookbackDays: 31},
      undefined,
      fresh.store,
    );
    assert.ok(second.plan.toSummarize.includes(emptyDay));
    assert.is(await summarizedCount(emptyDay, fresh.store), 120);
  } finally {
    await fresh.cleanup();
  }
});

/** The day's CSV lines as Cloud SQL computes them (SUM over BIGINT is exact in SQL). */
async function csvFromSql(day: Day): Promise<string[]> {
  const range = [startOfDay(day), endOfDay(day)];
  const [groups] = await env.pool.query<RowDataPacket[]>(
    `SELECT txn_type, currency, COUNT(*) AS n, CAST(SUM(amount_minor) AS CHAR) AS total
       FROM transactions WHERE occurred_at >= ? AND occurred_at < ? GROUP BY txn_type, currency`,
    range,
  );
  const lines = groups.map(
    g =>
      `${day},${g.txn_type},${g.currency},${g.n},${formatMinor(BigInt(g.total), g.currency as Currency)}`,
  );
  const [currencies] = await env.pool.query<RowDataPacket[]>(
    'SELECT currency, COUNT(*) AS n, CAST(SUM(amount_minor) AS CHAR) AS total FROM transactions WHERE occurred_at >= ? AND occurred_at < ? GROUP BY currency',
    range,
  );
  lines.push(
    ...currencies.map(
      c =>
        `${day},TOTAL,${c.currency},${c.n},${formatMinor(BigInt(c.total), c.currency as Currency)}`,
    ),
  );
  const [[all]] = await env.pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM transactions WHERE occurred_at >= ? AND occurred_at < ?',
    range,
  );
  lines.push(`${day},TOTAL,ALL,${all!.n},`);
  return lines.sort();
}

const csvLines = (text: string) => text.trim().split('\n').slice(1).sort();

async function runTemplate(input: string): Promise<Record<string, number>> {
  const r = env.resources;
  const args = [
    `--input=${input}`,
    `--bigtable_project=${r.project}`,
    `--bigtable_instance=${r.bigtable.instance}`,
    `--bigtable_table=${r.bigtable.summaries.id}`,
  ];
  const options = parseOptions(args, env.vars);
  return (
    await runnerFor(options).run(
      summaryLoadPipeline(
        pipelineConfig(options, env.vars, `late-${Date.now()}`),
      ),
    )
  ).counters();
}

async function summaryRow(day: Day) {
  return (
    await readSummaryTable(
      env.resources.project,
      env.resources.bigtable.instance,
      env.resources.bigtable.summaries.id,
    )
  ).find(row => row.key === day);
}

test('late data: a backfilled hour restates its day (new version, old one readable), the template reloads it; an unchanged day is not rewritten', async () => {
  const gcs = await gcsStore();
  try {
    const day = addDays(dayOf(new Date()), -10);
    const other = addDays(day, -1);
    await generate(
      new Date(startOfDay(day).getTime() + 8 * H),
      200,
      'late-a-08',
    );
    await generate(
      new Date(startOfDay(day).getTime() + 14 * H),
      150,
      'late-a-14',
    );
    await generate(
      new Date(startOfDay(other).getTime() + 10 * H),
      90,
      'late-b-10',
    );
    await replicate();
    const scope: DayScope = {kind: 'range', from: other, to: day};
    const first = await runJob(scope, undefined, gcs.store);
    assert.equal(
      first.outcomes.map(o => o.status),
      ['written', 'written'],
    );
    const firstText = (await gcs.store.read(summaryFileName(day))).toString(
      'utf8',
    );
    const versions = new Map(
      (await gcs.store.listVersions()).map(v => [v.name, v.version]),
    );
    const loaded = await runTemplate(gcs.uri);
    assert.is(loaded.files_selected, 2);
    assert.is((await summaryRow(day))?.count['TOTAL:ALL'], '350');

    // A late hour for the day: held back while its rows wait, then restated.
    await generate(
      new Date(startOfDay(day).getTime() + 20 * H),
      75,
      'late-a-20',
    );
    const waiting = await runJob(scope, undefined, gcs.store);
    assert.equal(
      waiting.outcomes,
      [],
      'the watermark is below the day again: nothing restated yet',
    );
    await replicate();
    const rerun = await runJob(scope, undefined, gcs.store);
    assert.equal(
      rerun.plan.toRestate,
      [day],
      'only the changed day is read again',
    );
    const restated = rerun.outcomes.find(o => o.day === day);
    assert.is(restated?.status, 'restated');
    const logged = rerun.lines.find(line => line.status === 'restated');
    assert.equal(logged?.day, day);
    assert.is((logged?.oldTotals as {transactions: number}).transactions, 350);
    assert.is((logged?.newTotals as {transactions: number}).transactions, 425);

    const now = new Map(
      (await gcs.store.listVersions()).map(v => [v.name, v.version]),
    );
    assert.is(
      now.get(summaryFileName(other)),
      versions.get(summaryFileName(other)),
      'the unchanged day keeps its object generation',
    );
    assert.is.not(
      now.get(summaryFileName(day)),
      versions.get(summaryFileName(day)),
      'the changed day has a new generation',
    );
    assert.equal(
      csvLines((await gcs.store.read(summaryFileName(day))).toString('utf8')),
      await csvFromSql(day),
      'the CSV equals Cloud SQL',
    );
    const superseded = (restated as {superseded: string}).superseded;
    assert.is(
      (await gcs.store.read(superseded)).toString('utf8'),
      firstText,
      'the previous version is still readable',
    );

    const reloaded = await runTemplate(gcs.uri);
    assert.is(
      reloaded.files_selected,
      1,
      'auto reloads only the restated date',
    );
    const row = await summaryRow(day);
    const sqlTotal = (await csvFromSql(day))
      .find(line => line.includes(',TOTAL,ALL,'))!
      .split(',')[3];
    assert.is(
      row?.count['TOTAL:ALL'],
      sqlTotal,
      'the summary row equals Cloud SQL',
    );
    assert.is(row?.count.source_version, now.get(summaryFileName(day)));
    assert.is(
      (await runTemplate(gcs.uri)).files_selected ?? 0,
      0,
      'and then it is loaded',
    );

    // Two runs restating the day at once write one new version.
    await generate(
      new Date(startOfDay(day).getTime() + 21 * H),
      40,
      'late-a-21',
    );
    await replicate();
    const supersededBefore = (await gcs.store.list('superseded/')).length;
    const both = await Promise.all([
      runJob(scope, undefined, gcs.store),
      runJob(scope, undefined, gcs.store),
    ]);
    const statuses = both.flatMap(r =>
      r.outcomes.filter(o => o.day === day).map(o => o.status),
    );
    assert.is(
      statuses.filter(s => s === 'restated').length,
      1,
      statuses.join(', '),
    );
    assert.is(
      (await gcs.store.list('superseded/')).length,
      supersededBefore + 1,
    );
    assert.is(await summarizedCount(day, gcs.store), 465);
    assert.equal(
      csvLines((await gcs.store.read(summaryFileName(day))).toString('utf8')),
      await csvFromSql(day),
    );
  } finally {
    await gcs.cleanup();
  }
});

test.run();
