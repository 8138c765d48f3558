/**
 * flex-load-cbt: cells/s the flex template loads (the CLI on the direct runner, as the launcher
 * runs it: `node dist/flex-template/index.js --input=DIR`) against Google's own `cbt import` of the
 * same cells (one CSV with the family and column header rows, cbt's default batch size and
 * workers), each into a fresh table of the same emulator, same run, rounds alternating which goes
 * first; medians compared. Both are timed as whole processes, start included, with their
 * CPU-seconds. Also printed: the pipeline CLI on an empty input (its fixed start), so the per-cell
 * cost shows apart from it.
 */
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {RawEntry, setCellMutation} from '../core/bigtable/raw-entry';
import {
  encodeEntries,
  encodeMutateRowsRequest,
} from '../core/bigtable/mutate-rows-wire';
import {SOURCE_VERSION_COLUMN} from '../core/bigtable/summary-row';
import {defaultResources} from '../core/resources';
import {LocalDirectoryStore} from '../core/storage/local-directory-store';
import {dailySummaryLoad} from '../flex-template/daily-summary-row';
import {
  countCells,
  createSummaryTable,
  summaryRowsFor,
  writeSummaryFiles,
} from '../test/flex-template/summary-fixtures';
import {encodeSummaryCsv, summaryFileName} from '../core/summary-csv';
import {
  benchLine,
  emulatorBytesChannel,
  median,
  platformFor,
  runBench,
} from './_support';
import {buildFlexBundle, flexCliArgs, measuredProcess} from './_flex-cli';

const DAYS = Number(process.env.BENCH_FLEX_CBT_DAYS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROJECT = 'bench-project';
const INSTANCE = 'bench-flex-cbt';
const FAMILIES = defaultResources(PROJECT).bigtable.summaries.families;

interface CbtRow {
  key: string;
  count: Record<string, string>;
  sum: Record<string, string>;
}

/**
 * The least any loader must do: the same cells as MutateRows requests encoded beforehand (100 rows
 * a request, as the pipeline writes them), 4 in flight, sent as bytes over a plain gRPC channel
 * to the emulator; nothing read, parsed or built while timed.
 */
function prebuiltWrites(table: string, rows: readonly CbtRow[]): Buffer[] {
  const name = `projects/${PROJECT}/instances/${INSTANCE}/tables/${table}`;
  const entryOf = (row: CbtRow) =>
    new RawEntry(Buffer.from(row.key), [
      ...Object.entries(row.count).map(([q, v]) =>
        setCellMutation(FAMILIES.count, q, v, 1_000_000),
      ),
      ...Object.entries(row.sum).map(([q, v]) =>
        setCellMutation(FAMILIES.sum, q, v, 1_000_000),
      ),
    ]);
  const requests: Buffer[] = [];
  for (let i = 0; i < rows.length; i += 100)
    requests.push(
      encodeMutateRowsRequest(
        name,
        encodeEntries(rows.slice(i, i + 100).map(entryOf)),
      ),
    );
  return requests;
}

async function sendWrites(requests: readonly Buffer[]): Promise<void> {
  const emulator = emulatorBytesChannel();
  let next = 0;
  const worker = async () => {
    while (next < requests.length)
      await emulator.call('MutateRows', requests[next++]!);
  };
  try {
    await Promise.all(Array.from({length: 4}, worker));
  } finally {
    emulator.close();
  }
}

/**
 * The cells of every file of `input` as one cbt import CSV: family row, column row, one line per
 * date; with each row's source version (the file's, as the pipeline lists it) like the pipeline's.
 */
async function cbtCsv(
  dir: string,
  input: string,
  first: string,
): Promise<{text: string; cells: number; rows: CbtRow[]}> {
  const versions = new Map(
    (await new LocalDirectoryStore(input).listVersions()).map(f => [
      f.name,
      f.version,
    ]),
  );
  const rows: CbtRow[] = [];
  for (let i = 0; i < DAYS; i++) {
    const day = new Date(Date.parse(`${first}T00:00:00Z`) + i * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const load = dailySummaryLoad(
      summaryFileName(day),
      day,
      encodeSummaryCsv(summaryRowsFor(day)),
      {low: 100, high: 1000},
    );
    const version = versions.get(summaryFileName(day));
    if (!load.cells || !version)
      throw new Error(`fixture for ${day} does not load`);
    rows.push({
      ...load.cells,
      count: {...load.cells.count, [SOURCE_VERSION_COLUMN]: version},
    });
  }
  const countColumns = [
    ...new Set(rows.flatMap(r => Object.keys(r.count))),
  ].sort();
  const sumColumns = [...new Set(rows.flatMap(r => Object.keys(r.sum)))].sort();
  const families = [
    '',
    FAMILIES.count,
    ...countColumns.slice(1).map(() => ''),
    FAMILIES.sum,
    ...sumColumns.slice(1).map(() => ''),
  ];
  const lines = [
    families.join(','),
    ['', ...countColumns, ...sumColumns].join(','),
  ];
  let cells = 0;
  for (const r of rows) {
    const values = [
      ...countColumns.map(c => r.count[c] ?? ''),
      ...sumColumns.map(c => r.sum[c] ?? ''),
    ];
    cells += values.filter(v => v !== '').length;
    lines.push([r.key, ...values].join(','));
  }
  writeFileSync(path.join(dir, 'cbt-import.csv'), lines.join('\n') + '\n');
  return {text: path.join(dir, 'cbt-import.csv'), cells, rows};
}

async function main(): Promise<void> {
  const platform = await platformFor(['bigtable'], ['BIGTABLE_EMULATOR_HOST']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-flex-cbt-'));
  const env = {...process.env, METADATA_SERVER_DETECTION: 'none'};
  const cbt = spawnSync(
    'cbt',
    ['-project', PROJECT, '-instance', INSTANCE, 'ls'],
    {env, encoding: 'utf8'},
  );
  if (cbt.error || cbt.status !== 0)
    throw new Error(
      `cbt is needed (it comes with gcloud: gcloud components install cbt): ${cbt.error?.message ?? cbt.stderr}`,
    );
  try {
    const input = path.join(dir, 'summaries');
    writeSummaryFiles(input, '2023-01-01', DAYS);
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const csv = await cbtCsv(dir, input, '2023-01-01');
    buildFlexBundle();
    const piped: number[] = [];
    const imported: number[] = [];
    const starts: number[] = [];
    const floors: number[] = [];
    const cpu = {
      pipeline: [] as number[],
      cbt: [] as number[],
      start: [] as number[],
    };
    for (let round = 0; round < ROUNDS; round++) {
      const sides: Array<[string, () => Promise<{ms: number; cpuS: number}>]> =
        [
          [
            'pipeline',
            async () => {
              const table = `flex_cbt_pipe_${round}`;
              await createSummaryTable(PROJECT, INSTANCE, table);
              const run = measuredProcess(
                process.execPath,
                flexCliArgs(input, PROJECT, INSTANCE, table),
                env,
              );
              const cells = await countCells(PROJECT, INSTANCE, table);
              if (cells !== csv.cells)
                throw new Error(
                  `pipeline wrote ${cells} cells, cbt's file has ${csv.cells}`,
                );
              piped.push(cells / (run.ms / 1000));
              cpu.pipeline.push(run.cpuS);
              return run;
            },
          ],
          [
            'cbt import',
            async () => {
              const table = `flex_cbt_cbt_${round}`;
              await createSummaryTable(PROJECT, INSTANCE, table);
              const run = measuredProcess(
                'cbt',
                [
                  '-project',
                  PROJECT,
                  '-instance',
                  INSTANCE,
                  'import',
                  table,
                  csv.text,
                ],
                env,
              );
              const cells = await countCells(PROJECT, INSTANCE, table);
              if (cells !== csv.cells)
                throw new Error(`cbt wrote ${cells} cells, want ${csv.cells}`);
              imported.push(cells / (run.ms / 1000));
              cpu.cbt.push(run.cpuS);
              return run;
            },
          ],
        ];
      if (round % 2 === 1) sides.reverse();
      for (const [label, run] of sides) {
        const {ms, cpuS} = await run();
        console.log(
          `round ${round + 1} ${label}: ${Math.round(ms)} ms, ${cpuS.toFixed(2)} cpu-s`,
        );
      }
      const table = `flex_cbt_empty_${round}`;
      await createSummaryTable(PROJECT, INSTANCE, table);
      const start = measuredProcess(
        process.execPath,
        flexCliArgs(empty, PROJECT, INSTANCE, table),
        env,
      );
      starts.push(start.ms);
      cpu.start.push(start.cpuS);
      const floorTable = `flex_cbt_floor_${round}`;
      await createSummaryTable(PROJECT, INSTANCE, floorTable);
      const requests = prebuiltWrites(floorTable, csv.rows);
      const began = performance.now();
      await sendWrites(requests);
      floors.push(performance.now() - began);
      const floorCells = await countCells(PROJECT, INSTANCE, floorTable);
      if (floorCells !== csv.cells)
        throw new Error(
          `prebuilt writes wrote ${floorCells} cells, want ${csv.cells}`,
        );
    }
    const rowsPerCell =
      (DAYS * summaryRowsFor('2023-01-01').length) / csv.cells;
    console.log(
      `${DAYS} daily files, ${csv.cells} cells (~${rowsPerCell.toFixed(2)} CSV rows per cell), ${ROUNDS} rounds`,
    );
    console.log(
      `pipeline CLI on an empty input (fixed start: node + Beam + the I/O thread's clients): median ${Math.round(median(starts))} ms, ${median(cpu.start).toFixed(2)} cpu-s`,
    );
    console.log(
      `CPU-seconds, medians (the emulator's not included): pipeline ${median(cpu.pipeline).toFixed(2)}, cbt import ${median(cpu.cbt).toFixed(2)}`,
    );
    console.log(
      `prebuilt writes of the same cells (no parsing, no clients, 4 in flight): median ${Math.round(median(floors))} ms`,
    );
    console.log(
      benchLine('flex-load-cbt', median(piped), median(imported), 'cells/s'),
    );
    // The most any pipeline CLI could reach: its empty-input start plus writing the cells at the
    // emulator's own pace, against the same cbt import.
    console.log(
      benchLine(
        'flex-load-cbt-ceiling',
        csv.cells / ((median(starts) + median(floors)) / 1000),
        median(imported),
        'cells/s',
      ),
    );
  } finally {
    rmSync(dir, {recursive: true, force: true});
    await platform?.stop();
  }
}

runBench(main);
