/**
 * flex-load-memory: peak RSS of the flex-template pipeline (the bundled CLI on the direct runner,
 * one fresh process per size, as the launcher runs it) loading 10,000 daily files against loading 1,000, same
 * emulator, same run. The ratio is big / small: 1.0 means memory does not grow with the input.
 * Peak RSS is GNU time's %M of the pipeline process (its I/O thread included); /usr/bin/time is
 * Debian's `time` package. A peak moves with when the collector happens to run (one run of 10,000
 * files: 152-167 MB), so each size runs ROUNDS times, sizes alternating, and the medians are
 * compared; every run is printed.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createSummaryTable,
  writeSummaryFiles,
} from '../test/flex-template/summary-fixtures';
import {benchLine, median, platformFor, runBench} from './_support';
import {buildFlexBundle, flexCliArgs, measuredProcess} from './_flex-cli';

const ROUNDS = Number(process.env.BENCH_FLEX_MEMORY_ROUNDS ?? 3);
const BIG = Number(process.env.BENCH_FLEX_MEMORY_BIG ?? 10_000);
const SMALL = Number(process.env.BENCH_FLEX_MEMORY_SMALL ?? 1_000);
const PROJECT = 'bench-project';
const INSTANCE = 'bench-flex-memory';

/** Runs the pipeline CLI over `days` files (written once) into a fresh table; its peak RSS in MB. */
async function peakRssMb(
  dir: string,
  days: number,
  round: number,
): Promise<number> {
  const input = path.join(dir, `in-${days}`);
  if (round === 0) writeSummaryFiles(input, '1990-01-01', days);
  const table = `flex_memory_${days}_${round}`;
  await createSummaryTable(PROJECT, INSTANCE, table);
  // GNU time's %M: the peak RSS of the process it ran (the pipeline, its I/O thread included).
  return measuredProcess(
    process.execPath,
    flexCliArgs(input, PROJECT, INSTANCE, table),
    {...process.env, METADATA_SERVER_DETECTION: 'none'},
  ).peakMb;
}

async function main(): Promise<void> {
  const platform = await platformFor(['bigtable'], ['BIGTABLE_EMULATOR_HOST']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-flex-memory-'));
  try {
    buildFlexBundle();
    const smalls: number[] = [];
    const bigs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      smalls.push(await peakRssMb(dir, SMALL, round));
      bigs.push(await peakRssMb(dir, BIG, round));
      console.log(
        `round ${round + 1} peak RSS: ${SMALL} files ${smalls.at(-1)!.toFixed(0)} MB, ${BIG} files ${bigs.at(-1)!.toFixed(0)} MB`,
      );
    }
    const small = median(smalls);
    const big = median(bigs);
    console.log(
      `peak RSS, medians of ${ROUNDS}: ${SMALL} files ${small.toFixed(0)} MB, ${BIG} files ${big.toFixed(0)} MB`,
    );
    // Lower is better: the ratio is big over small, as the goal (<= 1.2) reads.
    console.log(benchLine('flex-load-memory', big, small, 'MB', 0));
  } finally {
    rmSync(dir, {recursive: true, force: true});
    await platform?.stop();
  }
}

runBench(main);
