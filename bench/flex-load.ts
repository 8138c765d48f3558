/**
 * flex-load: CSV rows/s loaded by the flex-template pipeline on the direct runner (list, select
 * with auto, read, parse + validate, one Bigtable row per file through the blocking client) against
 * a plain Node loop doing the same work (same object store, same dailySummaryLoad, the same
 * MutateRows entries encoded by the same core encoder and written by the same mutateEntries, in
 * requests of the pipeline's writeBatchRows with 4 in flight) on the same emulator, same run. Each round loads
 * every file into a fresh table; rounds alternate which side goes first; medians are compared.
 * Both read the same number of files at once: the pipeline reads each chunk of `readChunkFiles`
 * files concurrently, the plain loop keeps as many reads outstanding, so the ratio is the
 * pipeline's own overhead (Beam's runner, the blocking client's worker thread), not read latency.
 */
import {createBigtableClient} from '../core/bigtable/client';
import {mkdtempSync, rmSync} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {Storage} from '@google-cloud/storage';
import {openObjectStore} from '../core/storage/open';
import {dayOfSummaryFile} from '../core/summary-csv';
import {closeSharedBlockingClients} from '../flex-template/blocking-client';
import {mutateEntries} from '../core/bigtable/mutate-entries';
import {EntriesWriter} from '../core/bigtable/mutate-rows-wire';
import {encodeSummaryRow} from '../core/bigtable/summary-row';
import {defaultResources} from '../core/resources';
import {dailySummaryLoad} from '../flex-template/daily-summary-row';
import {pipelineConfig, runnerFor} from '../flex-template/main';
import {parseOptions} from '../flex-template/options';
import {summaryLoadPipeline} from '../flex-template/pipeline';
import {
  createSummaryTable,
  writeSummaryFiles,
} from '../test/flex-template/summary-fixtures';
import {benchLine, median, platformFor, runBench} from './_support';

const DAYS = Number(process.env.BENCH_FLEX_DAYS ?? 1100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROJECT = 'bench-project';
const SUMMARIES = defaultResources(PROJECT).bigtable.summaries;
const INSTANCE = 'bench-flex';
const IN_FLIGHT = 4;
const THRESHOLDS = {low: 100, high: 1000};

function pipelineOptions(input: string, tableId: string) {
  return parseOptions([
    `--input=${input}`,
    `--bigtable_project=${PROJECT}`,
    `--bigtable_instance=${INSTANCE}`,
    `--bigtable_table=${tableId}`,
  ]);
}

/** The files the pipeline reads at once, from the pipeline's own configuration. */
function readConcurrency(input: string): number {
  return pipelineConfig(pipelineOptions(input, 'unused'), process.env, 'bench')
    .readChunkFiles;
}

async function plainLoop(input: string, tableId: string): Promise<number> {
  const store = openObjectStore(input, () => new Storage());
  const table = createBigtableClient({projectId: PROJECT})
    .instance(INSTANCE)
    .table(tableId);
  const inFlight = new Set<Promise<unknown>>();
  // Rows per MutateRows request: the pipeline's own.
  const batchRows = pipelineConfig(
    pipelineOptions(input, tableId),
    process.env,
    'bench',
  ).writeBatchRows;
  const batch = new EntriesWriter();
  let rows = 0;
  const send = async () => {
    const request = mutateEntries(table, batch.take()).finally(() =>
      inFlight.delete(request),
    );
    inFlight.add(request);
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };
  const files = (await store.list()).flatMap(name => {
    const date = dayOfSummaryFile(name);
    return date && !name.includes('/') ? [{name, date}] : [];
  });
  // A window of reads in flight, taken in order: as many outstanding as the pipeline has.
  const reads: Array<Promise<Buffer>> = [];
  const readNext = () => {
    if (reads.length < files.length)
      reads.push(store.read(files[reads.length]!.name));
  };
  for (let i = readConcurrency(input); i > 0; i--) readNext();
  for (const [i, {name, date}] of files.entries()) {
    const text = (await reads[i]!).toString('utf8');
    readNext();
    const load = dailySummaryLoad(name, date, text, THRESHOLDS);
    rows += load.validRows;
    if (load.cells) encodeSummaryRow(load.cells, SUMMARIES, batch);
    if (batch.size >= batchRows) await send();
  }
  if (batch.size > 0) await send();
  await Promise.all(inFlight);
  return rows;
}

async function pipeline(input: string, tableId: string): Promise<number> {
  const options = pipelineOptions(input, tableId);
  const result = await runnerFor(options).run(
    summaryLoadPipeline(pipelineConfig(options, process.env, 'bench')),
  );
  const counters = await result.counters();
  if (counters.dates_written !== DAYS)
    throw new Error(
      `pipeline wrote ${counters.dates_written} dates, want ${DAYS}`,
    );
  return counters.rows_valid!;
}

async function timed(fn: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const rows = await fn();
  return rows / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const platform = await platformFor(['bigtable'], ['BIGTABLE_EMULATOR_HOST']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-flex-'));
  try {
    writeSummaryFiles(dir, '2023-01-01', DAYS);
    const piped: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sides: Array<
        [number[], (table: string) => Promise<number>, string]
      > = [
        [piped, t => pipeline(dir, t), 'pipe'],
        [plain, t => plainLoop(dir, t), 'plain'],
      ];
      if (round % 2 === 1) sides.reverse();
      for (const [results, run, label] of sides) {
        const tableId = `flex_bench_${label}_${round}`;
        await createSummaryTable(PROJECT, INSTANCE, tableId);
        const rate = await timed(() => run(tableId));
        results.push(rate);
        console.log(`round ${round + 1} ${label}: ${rate.toFixed(0)} rows/s`);
      }
    }
    console.log(
      `${DAYS} daily files, ${ROUNDS} rounds, ${readConcurrency(dir)} reads in flight on both sides`,
    );
    console.log(
      `first round (the pipeline's I/O thread loads the Google clients then): pipeline ${piped[0]!.toFixed(0)} rows/s, plain ${plain[0]!.toFixed(0)} rows/s`,
    );
    console.log(benchLine('flex-load', median(piped), median(plain), 'rows/s'));
  } finally {
    closeSharedBlockingClients();
    rmSync(dir, {recursive: true, force: true});
    await platform?.stop();
  }
}

runBench(main);
