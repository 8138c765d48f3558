/**
 * flex-load-cbt: cells/s the flex template loads (the CLI on the direct runner, as a user runs it:
 * `node --import tsx flex-template/main.ts --input=DIR`) against Google's own `cbt import` of the
 * same cells (one CSV with the family and column header rows, cbt's default batch size and
 * workers), each into a fresh table of the same emulator, same run, rounds alternating which goes
 * first; medians compared. Both are timed as whole processes, start included. Also printed: the
 * pipeline CLI on an empty input (its fixed start), so the per-cell cost shows apart from it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultResources } from '../core/resources';
import { dailySummaryLoad } from '../flex-template/daily-summary-row';
import { countCells, createSummaryTable, summaryRowsFor, writeSummaryFiles } from '../test/flex-template/summary-fixtures';
import { encodeSummaryCsv, summaryFileName } from '../core/summary-csv';
import { benchLine, median, platformFor } from './_support';

const DAYS = Number(process.env.BENCH_FLEX_CBT_DAYS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROJECT = 'bench-project';
const INSTANCE = 'bench-flex-cbt';
const FAMILIES = defaultResources(PROJECT).bigtable.summaries.families;
const ROOT = path.join(__dirname, '..');

/** The cells of every file as one cbt import CSV: family row, column row, one line per date. */
function cbtCsv(dir: string, first: string): { text: string; cells: number } {
  const rows: { key: string; count: Record<string, string>; sum: Record<string, string> }[] = [];
  for (let i = 0; i < DAYS; i++) {
    const day = new Date(Date.parse(`${first}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
    const load = dailySummaryLoad(summaryFileName(day), day, encodeSummaryCsv(summaryRowsFor(day)), { low: 100, high: 1000 });
    if (!load.cells) throw new Error(`fixture for ${day} does not load`);
    rows.push(load.cells);
  }
  const countColumns = [...new Set(rows.flatMap((r) => Object.keys(r.count)))].sort();
  const sumColumns = [...new Set(rows.flatMap((r) => Object.keys(r.sum)))].sort();
  const families = ['', FAMILIES.count, ...countColumns.slice(1).map(() => ''), FAMILIES.sum, ...sumColumns.slice(1).map(() => '')];
  const lines = [families.join(','), ['', ...countColumns, ...sumColumns].join(',')];
  let cells = 0;
  for (const r of rows) {
    const values = [...countColumns.map((c) => r.count[c] ?? ''), ...sumColumns.map((c) => r.sum[c] ?? '')];
    cells += values.filter((v) => v !== '').length;
    lines.push([r.key, ...values].join(','));
  }
  writeFileSync(path.join(dir, 'cbt-import.csv'), lines.join('\n') + '\n');
  return { text: path.join(dir, 'cbt-import.csv'), cells };
}

function timedProcess(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const run = spawnSync(command, args, { env, encoding: 'utf8', cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.status}: ${run.stderr.slice(-2000)}${run.stdout.slice(-2000)}`);
  return ms;
}

async function main(): Promise<void> {
  const platform = await platformFor(['bigtable'], ['BIGTABLE_EMULATOR_HOST']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-flex-cbt-'));
  const env = { ...process.env, METADATA_SERVER_DETECTION: 'none' };
  const cbt = spawnSync('cbt', ['-project', PROJECT, '-instance', INSTANCE, 'ls'], { env, encoding: 'utf8' });
  if (cbt.error || cbt.status !== 0) throw new Error(`cbt is needed (it comes with gcloud: gcloud components install cbt): ${cbt.error?.message ?? cbt.stderr}`);
  try {
    const input = path.join(dir, 'summaries');
    writeSummaryFiles(input, '2023-01-01', DAYS);
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const csv = cbtCsv(dir, '2023-01-01');
    const pipelineArgs = (from: string, table: string) => [
      '--import',
      'tsx',
      path.join(ROOT, 'flex-template/main.ts'),
      `--input=${from}`,
      `--bigtable_project=${PROJECT}`,
      `--bigtable_instance=${INSTANCE}`,
      `--bigtable_table=${table}`,
      '--dates_suffixes=auto',
    ];
    const piped: number[] = [];
    const imported: number[] = [];
    const starts: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sides: Array<[string, () => Promise<number>]> = [
        [
          'pipeline',
          async () => {
            const table = `flex_cbt_pipe_${round}`;
            await createSummaryTable(PROJECT, INSTANCE, table);
            const ms = timedProcess(process.execPath, pipelineArgs(input, table), env);
            const cells = await countCells(PROJECT, INSTANCE, table);
            if (cells !== csv.cells) throw new Error(`pipeline wrote ${cells} cells, cbt's file has ${csv.cells}`);
            piped.push(cells / (ms / 1000));
            return ms;
          },
        ],
        [
          'cbt import',
          async () => {
            const table = `flex_cbt_cbt_${round}`;
            await createSummaryTable(PROJECT, INSTANCE, table);
            const ms = timedProcess('cbt', ['-project', PROJECT, '-instance', INSTANCE, 'import', table, csv.text], env);
            const cells = await countCells(PROJECT, INSTANCE, table);
            if (cells !== csv.cells) throw new Error(`cbt wrote ${cells} cells, want ${csv.cells}`);
            imported.push(cells / (ms / 1000));
            return ms;
          },
        ],
      ];
      if (round % 2 === 1) sides.reverse();
      for (const [label, run] of sides) console.log(`round ${round + 1} ${label}: ${Math.round(await run())} ms`);
      const table = `flex_cbt_empty_${round}`;
      await createSummaryTable(PROJECT, INSTANCE, table);
      starts.push(timedProcess(process.execPath, pipelineArgs(empty, table), env));
    }
    const rowsPerCell = (DAYS * summaryRowsFor('2023-01-01').length) / csv.cells;
    console.log(`${DAYS} daily files, ${csv.cells} cells (~${rowsPerCell.toFixed(2)} CSV rows per cell), ${ROUNDS} rounds`);
    console.log(`pipeline CLI on an empty input (fixed start: node + tsx + Beam + the I/O thread's clients): median ${Math.round(median(starts))} ms`);
    console.log(benchLine('flex-load-cbt', median(piped), median(imported), 'cells/s'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await platform?.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
