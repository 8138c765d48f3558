/**
 * Benchmarks of the daily summary job (issue 4), each against a baseline measured in the same run:
 *
 *   daily-summary         rows/s of the job summarizing one day (read, decode, group, write the CSV)
 *                         against a raw read of the same rows: the same row ranges, in parallel, only
 *                         counted. Rounds alternate which side runs first; medians are compared.
 *                         Both sides run core/ bundled by esbuild, as the deployed job does.
 *   daily-summary-memory  peak RSS of a process summarizing a day of 100,000 rows against a day of 10,000.
 *   daily-summary-scope   rows read by a run when the table holds 100 days against 10 days, one new
 *                         day to summarize each time.
 *
 * `node --import tsx bench/daily-summary.ts [NAME ...]` (or `npm run bench -- NAME`); starts its own
 * Bigtable emulator and writes the CSVs to temp directories.
 */
import {spawnSync} from 'node:child_process';
import {buildSync} from 'esbuild';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createBigtableClient} from '../core/bigtable/client';
import {addDays, type Day} from '../core/day';
import {createLogger} from '../core/log';
import {defaultResources} from '../core/resources';
import {LocalDirectoryStore} from '../core/storage/local-directory-store';
import {runDailySummary} from '../core/summary/daily-summary';
import {summarizeDay} from '../core/summary/read-day';
import {startPlatform} from '../local/platform';
import {median, runBench} from './_support';
import {
  isolatedBigtable,
  setWatermark,
  type TestBigtable,
  transactionsOf,
  watermarkAfter,
  writeTransactions,
} from '../test/core/summary/fixtures';

const quiet = createLogger('bench', {write: () => undefined}, 'silent');

function line(
  name: string,
  value: number,
  baseline: number,
  unit: string,
  digits = 0,
): void {
  const ratio = value / baseline;
  console.log(
    `bench ${name}: ${value.toFixed(digits)} ${unit}; baseline ${baseline.toFixed(digits)} ${unit}; ratio ${ratio.toFixed(2)}`,
  );
}

function deps(t: TestBigtable, dir: string, now?: Date) {
  return {
    txnTable: t.txnTable,
    txnSchema: t.resources.bigtable.txn,
    stateTable: t.stateTable,
    stateSchema: t.resources.bigtable.state,
    store: new LocalDirectoryStore(dir),
    log: quiet,
    ...(now ? {now: () => now} : {}),
  };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

type SummaryCode = typeof import('./_summary-code');

const BUNDLE_DIR = join(__dirname, '..', 'dist', '.bench-summary');

/**
 * bench/_summary-code.ts bundled by esbuild with the job's settings (node_modules left external,
 * so the bundle shares this process's Bigtable client): the deployed job runs core/ bundled, and
 * run from source through tsx every call across modules goes through an export getter, which the
 * job's per-row code pays on every row and a bundle does not.
 */
function bundledSummaryCode(): SummaryCode {
  // Under dist/, so that the bundle resolves its packages from this repo's node_modules.
  const outfile = join(BUNDLE_DIR, 'summary.js');
  buildSync({
    entryPoints: [join(__dirname, '_summary-code.ts')],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    keepNames: true,
    logLevel: 'warning',
  });
  return require(outfile) as SummaryCode;
}

async function rawRead(
  code: Pick<SummaryCode, 'forEachRow' | 'dayRanges'>,
  t: TestBigtable,
  day: Day,
): Promise<number> {
  let rows = 0;
  await code.forEachRow(t.txnTable, code.dayRanges(day), () => rows++);
  return rows;
}

/** One timed side of a round: rows/s and the CPU this process spent. */
interface Side {
  rate: number;
  cpuMs: number;
}

async function timedRawRead(
  code: SummaryCode,
  t: TestBigtable,
  day: Day,
  rows: number,
): Promise<Side> {
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  const read = await rawRead(code, t, day);
  const seconds = (performance.now() - began) / 1000;
  if (read !== rows)
    throw new Error(`raw read found ${read} rows, want ${rows}`);
  return {rate: read / seconds, cpuMs: cpuMs(cpuBefore)};
}

async function timedJob(
  code: SummaryCode,
  t: TestBigtable,
  day: Day,
  rows: number,
): Promise<Side> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-summary-'));
  try {
    const log = code.createLogger('bench', {write: () => undefined}, 'silent');
    const jobDeps = {
      ...deps(t, dir),
      store: new code.LocalDirectoryStore(dir),
      log,
    };
    const cpuBefore = process.cpuUsage();
    const began = performance.now();
    const report = await code.runDailySummary(jobDeps, {
      scope: {kind: 'range', from: day, to: day},
    });
    const seconds = (performance.now() - began) / 1000;
    const outcome = report.outcomes[0];
    if (outcome?.status !== 'written' || outcome.transactions !== rows)
      throw new Error(`unexpected outcome ${JSON.stringify(outcome)}`);
    return {rate: rows / seconds, cpuMs: cpuMs(cpuBefore)};
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

/**
 * Rounds of both sides on the same day's rows; odd rounds run the job first, even rounds the raw
 * read, so neither side always gets the emulator as the other left it. The medians are compared.
 * One untimed run of each side first warms the emulator, the client and the JIT for both.
 */
async function throughput(): Promise<void> {
  const rows = Number(process.env.BENCH_SUMMARY_ROWS ?? 100_000);
  const day = '2026-07-01';
  const t = await isolatedBigtable('bench-throughput');
  try {
    await writeTransactions(t, transactionsOf(day, rows, 1));
    await writeTransactions(t, transactionsOf(addDays(day, 1), 2_000, 2));
    await setWatermark(t, watermarkAfter(addDays(day, 1)));
    const code = bundledSummaryCode();
    await timedRawRead(code, t, day, rows);
    await timedJob(code, t, day, rows);
    const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
    const raw: Side[] = [];
    const job: Side[] = [];
    for (let round = 0; round < rounds; round++) {
      const jobFirst = round % 2 === 0;
      const sides: Array<[string, Side[], () => Promise<Side>]> = [
        ['raw read', raw, () => timedRawRead(code, t, day, rows)],
        ['job', job, () => timedJob(code, t, day, rows)],
      ];
      if (jobFirst) sides.reverse();
      const parts: string[] = [];
      for (const [label, results, run] of sides) {
        const side = await run();
        results.push(side);
        parts.push(
          `${label} ${side.rate.toFixed(0)} rows/s (${side.cpuMs.toFixed(0)} ms CPU here)`,
        );
      }
      console.log(
        `round ${round + 1} (${jobFirst ? 'job' : 'raw read'} first): ${parts.join(', ')}`,
      );
    }
    // Wall time on a shared machine is noisy; CPU time in this process (the client's decoding plus
    // the job's work) is the steadier view of the job's own cost.
    const rawCpu = median(raw.map(s => s.cpuMs));
    const jobCpu = median(job.map(s => s.cpuMs));
    console.log(
      `${rows} rows, ${rounds} rounds; median CPU in this process: raw read ${rawCpu.toFixed(0)} ms, job ${jobCpu.toFixed(0)} ms (raw/job ${(rawCpu / jobCpu).toFixed(2)})`,
    );
    line(
      'daily-summary',
      median(job.map(s => s.rate)),
      median(raw.map(s => s.rate)),
      'rows/s',
    );
  } finally {
    rmSync(BUNDLE_DIR, {recursive: true, force: true});
    await t.close();
  }
}

/** In a child process: summarize one day and report the process's peak RSS and peak heap. */
async function memoryChild(
  project: string,
  instance: string,
  day: Day,
): Promise<void> {
  let peakHeap = 0;
  const sampler = setInterval(
    () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)),
    5,
  );
  const bigtable = createBigtableClient({projectId: project});
  const {txn} = defaultResources('bench').bigtable;
  const summary = await summarizeDay(
    bigtable.instance(instance).table(txn.id),
    txn,
    day,
  );
  clearInterval(sampler);
  await bigtable.close();
  const maxRssKb = process.resourceUsage().maxRSS;
  console.log(JSON.stringify({rows: summary.rowsRead, maxRssKb, peakHeap}));
}

function measureChild(
  t: TestBigtable,
  day: Day,
): {rows: number; maxRssKb: number; peakHeap: number} {
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      __filename,
      '--memory-child',
      t.resources.project,
      t.instanceId,
      day,
    ],
    {
      encoding: 'utf8',
      env: process.env,
    },
  );
  if (run.status !== 0) throw new Error(`memory child failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

async function memory(): Promise<void> {
  const [small, large] = ['2026-08-01', '2026-08-02'];
  const t = await isolatedBigtable('bench-memory');
  try {
    await writeTransactions(t, transactionsOf(small, 10_000, 3));
    await writeTransactions(t, transactionsOf(large, 100_000, 4));
    const peaks = {small: Infinity, large: Infinity};
    for (let round = 0; round < 2; round++) {
      const s = measureChild(t, small);
      const l = measureChild(t, large);
      if (s.rows !== 10_000 || l.rows !== 100_000)
        throw new Error(`read ${s.rows} and ${l.rows} rows`);
      console.log(
        `round ${round + 1}: 10k rows peak RSS ${(s.maxRssKb / 1024).toFixed(1)} MiB, heap ${(s.peakHeap / 2 ** 20).toFixed(1)} MiB; ` +
          `100k rows peak RSS ${(l.maxRssKb / 1024).toFixed(1)} MiB, heap ${(l.peakHeap / 2 ** 20).toFixed(1)} MiB`,
      );
      peaks.small = Math.min(peaks.small, s.maxRssKb / 1024);
      peaks.large = Math.min(peaks.large, l.maxRssKb / 1024);
    }
    line('daily-summary-memory', peaks.large, peaks.small, 'MiB', 1);
  } finally {
    await t.close();
  }
}

/** Rows read by the run that finds one new complete day, in a table of `days` days of which the older ones are summarized. */
async function rowsReadForNewDay(
  days: number,
  rowsPerDay: number,
): Promise<number> {
  const first = '2026-01-01';
  const last = addDays(first, days - 1);
  const t = await isolatedBigtable(`bench-scope-${days}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-scope-'));
  try {
    for (let i = 0; i < days; i++)
      await writeTransactions(
        t,
        transactionsOf(addDays(first, i), rowsPerDay, 100 + i),
      );
    const now = new Date(`${addDays(last, 1)}T01:00:00Z`);
    const scope = {kind: 'recent' as const, lookbackDays: 366, firstDay: first};
    // Yesterday's run: every day but the last was complete and got its file.
    await setWatermark(t, watermarkAfter(addDays(last, -1)));
    const before = await runDailySummary(deps(t, dir, now), {scope});
    if (before.outcomes.length !== days - 1)
      throw new Error(`setup wrote ${before.outcomes.length} days`);
    // Today's run: replication has passed the last day's end.
    await setWatermark(t, watermarkAfter(last));
    const report = await runDailySummary(deps(t, dir, now), {scope});
    if (!report.ok || report.outcomes.length !== 1)
      throw new Error(`run summarized ${report.outcomes.length} days`);
    const rowsRead = report.outcomes.reduce(
      (sum, o) => sum + ('rowsRead' in o ? o.rowsRead : 0),
      0,
    );
    console.log(
      `${days} days of ${rowsPerDay} rows (${days * rowsPerDay} in the table): the run read ${rowsRead} rows for ${report.outcomes[0]!.day}`,
    );
    return rowsRead;
  } finally {
    rmSync(dir, {recursive: true, force: true});
    await t.close();
  }
}

async function scope(): Promise<void> {
  const rowsPerDay = 1_000;
  const ten = await rowsReadForNewDay(10, rowsPerDay);
  const hundred = await rowsReadForNewDay(100, rowsPerDay);
  line('daily-summary-scope', hundred, ten, 'rows');
}

const BENCHMARKS: Record<string, () => Promise<void>> = {
  'daily-summary': throughput,
  'daily-summary-memory': memory,
  'daily-summary-scope': scope,
};

async function main(args: string[]): Promise<void> {
  if (args[0] === '--memory-child')
    return memoryChild(args[1]!, args[2]!, args[3]!);
  const names = args.length > 0 ? args : Object.keys(BENCHMARKS);
  const unknown = names.filter(name => !BENCHMARKS[name]);
  if (unknown.length > 0)
    throw new Error(
      `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`,
    );
  const platform = process.env.BIGTABLE_EMULATOR_HOST
    ? undefined
    : await startPlatform({services: ['bigtable']});
  if (platform) Object.assign(process.env, platform.env);
  try {
    for (const name of names) await BENCHMARKS[name]!();
  } finally {
    await platform?.stop();
  }
}

runBench(main);
