/**
 * replicate: rows/s replicated by pubsubReplicate's core with the function's defaults (SKIP LOCKED
 * claims of 1,000 rows, Bigtable write, flags, commit; 6 claimers, at most 4 writes in flight) against raw batched Bigtable writes of the same
 * rows (the same SetCell mutations, built beforehand, sent the same way: 1,000-row MutateRows,
 * 4 in flight, nothing else) to the same emulator,
 * same run. Between rounds the tables are truncated and the flags reset; InnoDB's purge of that reset,
 * and of each replication's flag flips, is waited out before the next timed side (MariaDB purges in
 * the background; no side is charged for another's); rounds alternate which side goes first; the
 * medians are compared.
 *
 * Two figures, from the same data and services:
 * - `replicate`: every process shares the machine's cores, so MariaDB's work for the claims and
 *   flags takes CPU from the writer and the emulator.
 * - `replicate-db-own-core`: MariaDB on a core of its own, as Cloud SQL runs on machines of its own;
 *   this process and the emulator share another core, on both sides of the comparison.
 */
import { readFileSync } from 'node:fs';
import { createBigtableClient } from '../core/bigtable/client';
import { createLogger } from '../core/log';
import { provisionBigtable } from '../core/provision/bigtable';
import { toRawEntry } from '../core/bigtable/mutate-entries';
import { replicateUnsent } from '../core/replication/replicate';
import { DEFAULT_WATERMARK_RULE } from '../core/replication/watermark-rule';
import { defaultResources } from '../core/resources';
import { insertBatch } from '../core/sql/generation-batches';
import { toRowEntry } from '../core/bigtable/txn-row';
import { benchDatabase, benchLine, generatedBatches, median, pinToCpu, platformFor, rawWrite, settlePurge } from './_support';

const ROWS = Number(process.env.BENCH_REPLICATE_ROWS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BATCH = 1000;
const IN_FLIGHT = 4;
/** Parallel claimers; the function's default is 6 (REPLICATE_WORKERS). */
const WORKERS = Number(process.env.BENCH_REPLICATE_WORKERS ?? 6);

function processName(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

const FIGURES = ['replicate', 'replicate-db-own-core'] as const;
type Figure = (typeof FIGURES)[number];

async function main(args: string[]): Promise<void> {
  const unknown = args.filter((name) => !(FIGURES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; this file has ${FIGURES.join(', ')}`);
  const figures = FIGURES.filter((name) => args.length === 0 || args.includes(name));
  const platform = await platformFor(['mariadb', 'bigtable'], ['MYSQL_HOST', 'MYSQL_PORT', 'MYSQL_USER', 'BIGTABLE_EMULATOR_HOST']);
  try {
    const resources = defaultResources('bench-project');
    const bigtable = createBigtableClient({ projectId: resources.project });
    const rawSchema = { ...resources.bigtable.txn, id: 'txn_raw' };
    await provisionBigtable(bigtable, resources.bigtable);
    await provisionBigtable(bigtable, { ...resources.bigtable, txn: rawSchema });
    const instance = bigtable.instance(resources.bigtable.instance);
    const txnTable = instance.table(resources.bigtable.txn.id);
    const rawTable = instance.table(rawSchema.id);

    const sql = await benchDatabase('bench_replicate');
    const batches = await generatedBatches('bench', Math.ceil(ROWS / 10_000), Math.min(ROWS, 10_000));
    for (const batch of batches) await insertBatch(sql, batch);
    const entries = batches.flatMap((b) => b.transactions.map((t) => toRawEntry(toRowEntry(t, rawSchema))));
    const total = entries.length;

    const deps = {
      sql,
      txnTable,
      txnSchema: resources.bigtable.txn,
      stateTable: instance.table(resources.bigtable.state.id),
      stateSchema: resources.bigtable.state,
      log: createLogger('bench', undefined, 'silent'),
    };
    const replicate = async () => {
      // The function's defaults: 6 claimers, at most 4 writes in flight (the baseline's 4).
      const report = await replicateUnsent(deps, { batchSize: BATCH, workers: WORKERS, writesInFlight: IN_FLIGHT, budgetMs: 600_000, writeTimeoutMs: 60_000, watermark: DEFAULT_WATERMARK_RULE });
      if (report.replicated !== total) throw new Error(`replicated ${report.replicated} of ${total}`);
    };
    const timed = async (run: () => Promise<void>) => {
      const started = performance.now();
      await run();
      return total / ((performance.now() - started) / 1000);
    };

    const measure = async (figure: Figure) => {
      const pathRates: number[] = [];
      const rawRates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all([txnTable.truncate(), rawTable.truncate(), sql.pool.query('UPDATE transactions SET sent_to_big_table = FALSE')]);
        await settlePurge(sql);
        for (const side of round % 2 === 0 ? ['raw', 'replicate'] : ['replicate', 'raw']) {
          if (side === 'raw') rawRates.push(await timed(() => rawWrite(rawTable, entries, BATCH, IN_FLIGHT)));
          else pathRates.push(await timed(replicate));
          // The flag flips leave InnoDB purge work behind: done before the other side is timed.
          await settlePurge(sql);
        }
        console.log(`${figure} round ${round + 1}: replicate ${pathRates.at(-1)!.toFixed(0)} rows/s, raw Bigtable writes ${rawRates.at(-1)!.toFixed(0)} rows/s`);
      }
      console.log(benchLine(figure, median(pathRates), median(rawRates), 'rows/s'));
    };

    for (const figure of figures) {
      if (figure === 'replicate-db-own-core') {
        if (!platform) throw new Error('replicate-db-own-core pins the services it starts: unset MYSQL_HOST and BIGTABLE_EMULATOR_HOST');
        const mariadb = platform.pids.filter((pid) => processName(pid) === 'mariadbd');
        if (mariadb.length !== 1) throw new Error(`expected one mariadbd among the platform's processes, found ${mariadb.length}`);
        pinToCpu([process.pid, ...platform.pids.filter((pid) => pid !== mariadb[0])], 0);
        pinToCpu(mariadb, 1);
      }
      await measure(figure);
    }
    await sql.close();
    await bigtable.close();
  } finally {
    await platform?.stop();
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error);
  process.exit(1);
});
