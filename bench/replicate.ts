/**
 * replicate: rows/s replicated by pubsubReplicate's core with the function's defaults (SKIP LOCKED
 * claims of 1,000 rows, Bigtable write, flags with the commit; 8 claimers, at most 4 writes in flight) against raw batched Bigtable writes of the same
 * rows (the same SetCell mutations, built beforehand, sent the same way: 1,000-row MutateRows,
 * 4 in flight, nothing else) to the same emulator,
 * same run. Between rounds the tables are truncated and the flags reset; InnoDB's purge of that reset,
 * and of each replication's flag flips, is waited out before the next timed side (MariaDB purges in
 * the background; no side is charged for another's); rounds alternate which side goes first; the
 * medians are compared.
 *
 * Three figures, from the same data and services:
 * - `replicate`: every process shares the machine's cores, so MariaDB's work for the claims and
 *   flags takes CPU from the writer and the emulator.
 * - `replicate-cpu`: CPU-seconds per 50,000 rows of every process involved (this one, the emulator,
 *   MariaDB) for a replication, against the same job done the simplest way: a plain SELECT of the
 *   rows, the same entries written the same way, one `UPDATE ... WHERE id IN (...)` per 1,000 rows,
 *   on one connection, without claims, locks or watermark. Each side's CPU includes
 *   InnoDB's purge of its own flag flips (waited out before the window closes) and nothing else's.
 * - `replicate-db-own-core`: MariaDB on a core of its own, as Cloud SQL runs on machines of its own;
 *   this process and the emulator share another core, on both sides of the comparison.
 */
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import type {Bigtable, Table} from '@google-cloud/bigtable';
import {dataChannelOf, tableNameOf} from '../core/bigtable/data-channel';
import {createBigtableClient} from '../core/bigtable/client';
import {createLogger} from '../core/log';
import {provisionBigtable} from '../core/provision/bigtable';
import {mutateEntries} from '../core/bigtable/mutate-entries';
import {
  type EncodedEntries,
  sliceEntries,
} from '../core/bigtable/mutate-rows-wire';
import {replicateUnsent} from '../core/replication/replicate';
import {DEFAULT_WATERMARK_RULE} from '../core/replication/watermark-rule';
import {type TxnTableSchema, defaultResources} from '../core/resources';
import type {SqlPool} from '../core/sql/connect';
import {insertBatch} from '../core/sql/generation-batches';
import {markSent, selectBatch} from '../core/sql/transactions';
import {packedTxnEntries, toTxnRawEntries} from '../core/bigtable/txn-row';
import type {Platform} from '../local/platform';
import {
  benchDatabase,
  benchLine,
  cpuSeconds,
  generatedBatches,
  median,
  pinToCpu,
  platformFor,
  processName,
  rawWrite,
  settlePurge,
  runBench,
  selectFigures,
} from './_support';

const ROWS = Number(process.env.BENCH_REPLICATE_ROWS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BATCH = 1000;
const IN_FLIGHT = 4;
/** Parallel claimers; the function's default is 8 (REPLICATE_WORKERS). */
const WORKERS = Number(process.env.BENCH_REPLICATE_WORKERS ?? 8);

function onlyProcess(pids: number[], name: string): number {
  const found = pids.filter(pid => processName(pid) === name);
  if (found.length !== 1)
    throw new Error(
      `expected one ${name} among the platform's processes, found ${found.length}`,
    );
  return found[0]!;
}

/**
 * The simplest way to do replication's job: read the rows (one plain SELECT per generated batch),
 * write their entries as the raw side does (1,000 rows a MutateRows, 4 in flight, through
 * mutateEntries as replication), flag each 1,000 with one UPDATE, all on one autocommit connection.
 */
async function simplestJob(
  deps: {sql: SqlPool; table: Table; schema: TxnTableSchema},
  batchIds: string[],
): Promise<number> {
  const connection = await deps.sql.acquire();
  try {
    const claims: {ids: string[]; entries: EncodedEntries}[] = [];
    for (const batchId of batchIds) {
      const encoded = packedTxnEntries(
        await selectBatch(connection, batchId),
        deps.schema,
      );
      for (let start = 0; start < encoded.ids.length; start += BATCH)
        claims.push({
          ids: encoded.ids.slice(start, start + BATCH),
          entries: sliceEntries(encoded.entries, start, start + BATCH),
        });
    }
    let next = 0;
    const worker = async () => {
      while (next < claims.length) {
        const claim = claims[next++]!;
        await mutateEntries(deps.table, claim.entries);
        await markSent(connection, claim.ids);
      }
    };
    await Promise.all(Array.from({length: IN_FLIGHT}, worker));
    return claims.reduce((sum, claim) => sum + claim.ids.length, 0);
  } finally {
    connection.release();
  }
}

/**
 * Counts the MutateRows calls in flight over time, per table, at the client's data stub (where
 * mutateEntries sends them): `mean(since)` is the mean number in flight since that moment, 4 when
 * the writes never wait for anything else.
 */
async function writesInFlight(
  bigtable: Bigtable,
  tables: readonly Table[],
): Promise<Map<Table, ReturnType<typeof inFlightMeter>>> {
  const meters = new Map(tables.map(table => [table, inFlightMeter()]));
  const channel = await dataChannelOf(bigtable);
  const byName = new Map(
    tables.map(table => [tableNameOf(table.name, channel), meters.get(table)!]),
  );
  const stub = channel.stub;
  const call = stub.makeServerStreamRequest.bind(stub);
  stub.makeServerStreamRequest = (method, ...rest) => {
    const stream = call(method, ...rest);
    if (method.endsWith('/MutateRows')) {
      const params = String(rest[3].get('x-goog-request-params')[0] ?? '');
      const meter = byName.get(
        decodeURIComponent(/table_name=([^&]*)/.exec(params)?.[1] ?? ''),
      );
      if (meter) {
        meter.step(1);
        stream.once('close', () => meter.step(-1));
      }
    }
    return stream;
  };
  return meters;
}

function inFlightMeter() {
  let active = 0;
  let changedAt = performance.now();
  let area = 0;
  const step = (delta: number) => {
    const now = performance.now();
    area += active * (now - changedAt);
    changedAt = now;
    active += delta;
  };
  return {
    step,
    mark: () => {
      step(0);
      return {area, at: changedAt};
    },
    mean(since: {area: number; at: number}): number {
      step(0);
      return (area - since.area) / (changedAt - since.at);
    },
  };
}

/** CPU-seconds per 50,000 rows of each process involved. */
type CpuSplit = {node: number; emulator: number; mariadb: number};
const cpuTotal = (split: CpuSplit) =>
  split.node + split.emulator + split.mariadb;
const showCpu = (split: CpuSplit) =>
  `${cpuTotal(split).toFixed(2)} cpu-s (node ${split.node.toFixed(2)}, emulator ${split.emulator.toFixed(2)}, mariadb ${split.mariadb.toFixed(2)})`;
const medianCpu = (all: CpuSplit[]): CpuSplit => ({
  node: median(all.map(s => s.node)),
  emulator: median(all.map(s => s.emulator)),
  mariadb: median(all.map(s => s.mariadb)),
});

/** Reads the CPU time of this process and the platform's emulator and MariaDB; `since` scales it to 50,000 rows. */
function cpuMeter(platform: Platform, rows: number) {
  const pids = {
    node: process.pid,
    emulator: onlyProcess(platform.pids, 'cbtemulator'),
    mariadb: onlyProcess(platform.pids, 'mariadbd'),
  };
  const sample = (): CpuSplit => ({
    node: cpuSeconds(pids.node),
    emulator: cpuSeconds(pids.emulator),
    mariadb: cpuSeconds(pids.mariadb),
  });
  return {
    sample,
    since(before: CpuSplit): CpuSplit {
      const after = sample();
      const scale = 50_000 / rows;
      return {
        node: (after.node - before.node) * scale,
        emulator: (after.emulator - before.emulator) * scale,
        mariadb: (after.mariadb - before.mariadb) * scale,
      };
    },
  };
}

/** A full garbage collection, so one side's garbage is not collected on the next side's clock. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const FIGURES = [
  'replicate',
  'replicate-cpu',
  'replicate-db-own-core',
] as const;
type Figure = (typeof FIGURES)[number];

async function main(args: string[]): Promise<void> {
  const figures = selectFigures(FIGURES, args);
  const platform = await platformFor(
    ['mariadb', 'bigtable'],
    ['MYSQL_HOST', 'MYSQL_PORT', 'MYSQL_USER', 'BIGTABLE_EMULATOR_HOST'],
  );
  try {
    const resources = defaultResources('bench-project');
    const bigtable = createBigtableClient({projectId: resources.project});
    const rawSchema = {...resources.bigtable.txn, id: 'txn_raw'};
    await provisionBigtable(bigtable, resources.bigtable);
    await provisionBigtable(bigtable, {...resources.bigtable, txn: rawSchema});
    const instance = bigtable.instance(resources.bigtable.instance);
    const txnTable = instance.table(resources.bigtable.txn.id);
    const rawTable = instance.table(rawSchema.id);
    const meters = await writesInFlight(bigtable, [txnTable, rawTable]);
    const inFlight = {
      replicate: meters.get(txnTable)!,
      raw: meters.get(rawTable)!,
    };

    const sql = await benchDatabase('bench_replicate', Math.max(8, WORKERS));
    const batches = await generatedBatches(
      'bench',
      Math.ceil(ROWS / 10_000),
      Math.min(ROWS, 10_000),
    );
    for (const batch of batches) await insertBatch(sql, batch);
    const entries = batches.flatMap(b =>
      toTxnRawEntries(b.transactions, rawSchema),
    );
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
      // The function's defaults: 8 claimers, at most 4 writes in flight (the baseline's 4).
      const report = await replicateUnsent(deps, {
        batchSize: BATCH,
        workers: WORKERS,
        writesInFlight: IN_FLIGHT,
        budgetMs: 600_000,
        writeTimeoutMs: 60_000,
        watermark: DEFAULT_WATERMARK_RULE,
      });
      if (report.replicated !== total)
        throw new Error(`replicated ${report.replicated} of ${total}`);
    };
    const timed = async (
      run: () => Promise<void>,
      writes: ReturnType<typeof inFlightMeter>,
    ) => {
      const started = performance.now();
      const mark = writes.mark();
      await run();
      return {
        rate: total / ((performance.now() - started) / 1000),
        inFlight: writes.mean(mark),
      };
    };

    // The CPU split of the rows/s figures' sides (the clock's window only) explains them; the
    // replicate-cpu figure is made of it. It needs the services' process ids, so services it started.
    const meter = platform && cpuMeter(platform, total);

    const measure = async (figure: Figure) => {
      const rates = {replicate: [] as number[], raw: [] as number[]};
      const writes = {replicate: [] as number[], raw: [] as number[]};
      const cpu = {replicate: [] as CpuSplit[], raw: [] as CpuSplit[]};
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all([
          txnTable.truncate(),
          rawTable.truncate(),
          sql.pool.query('UPDATE transactions SET sent_to_big_table = FALSE'),
        ]);
        await settlePurge(sql);
        for (const side of round % 2 === 0
          ? (['raw', 'replicate'] as const)
          : (['replicate', 'raw'] as const)) {
          const before = meter?.sample();
          const {rate, inFlight: mean} = await timed(
            side === 'raw'
              ? () => rawWrite(rawTable, entries, BATCH, IN_FLIGHT)
              : replicate,
            inFlight[side],
          );
          rates[side].push(rate);
          writes[side].push(mean);
          if (meter && before) cpu[side].push(meter.since(before));
          // The flag flips leave InnoDB purge work behind: done before the other side is timed.
          await settlePurge(sql);
        }
        const show = (side: 'replicate' | 'raw') =>
          `${rates[side].at(-1)!.toFixed(0)} rows/s, ${writes[side].at(-1)!.toFixed(2)} writes in flight${meter ? `, ${showCpu(cpu[side].at(-1)!)}` : ''}`;
        console.log(
          `${figure} round ${round + 1}: replicate ${show('replicate')}; raw Bigtable writes ${show('raw')}; this round's ratio ${(rates.replicate.at(-1)! / rates.raw.at(-1)!).toFixed(2)}`,
        );
      }
      console.log(
        `${figure} writes in flight (mean over the side's window), medians: replicate ${median(writes.replicate).toFixed(2)}; raw Bigtable writes ${median(writes.raw).toFixed(2)}`,
      );
      if (meter)
        console.log(
          `${figure} CPU medians per process: replicate ${showCpu(medianCpu(cpu.replicate))}; raw Bigtable writes ${showCpu(medianCpu(cpu.raw))}`,
        );
      // Information beside the figure: the sides of one round run seconds apart, so on a machine whose
      // load moves between rounds their ratio is steadier than the ratio of the medians.
      console.log(
        `${figure} median of the rounds' own ratios: ${median(rates.replicate.map((rate, i) => rate / rates.raw[i]!)).toFixed(2)}`,
      );
      console.log(
        benchLine(figure, median(rates.replicate), median(rates.raw), 'rows/s'),
      );
    };

    const measureCpu = async () => {
      if (!meter)
        throw new Error(
          'replicate-cpu reads the CPU time of the services it starts: unset MYSQL_HOST and BIGTABLE_EMULATOR_HOST',
        );
      const batchIds = batches.map(batch => batch.batchId);
      const sides = {
        replicate,
        simplest: async () => {
          const flagged = await simplestJob(
            {sql, table: rawTable, schema: rawSchema},
            batchIds,
          );
          if (flagged !== total)
            throw new Error(`the simplest job moved ${flagged} of ${total}`);
        },
        // Only for the ceiling below: the raw writes of replicate-db-own-core.
        raw: () => rawWrite(rawTable, entries, BATCH, IN_FLIGHT),
      };
      const order = ['simplest', 'replicate', 'raw'] as const;
      const splits: Record<keyof typeof sides, CpuSplit[]> = {
        replicate: [],
        simplest: [],
        raw: [],
      };
      for (let round = 0; round < ROUNDS; round++) {
        // Each side goes first, second and third in turn.
        for (let k = 0; k < order.length; k++) {
          const side = order[(round + k) % order.length]!;
          // Each starts from empty tables and unsent rows, the reset's purge done.
          await Promise.all([
            txnTable.truncate(),
            rawTable.truncate(),
            sql.pool.query('UPDATE transactions SET sent_to_big_table = FALSE'),
          ]);
          await settlePurge(sql);
          collectGarbage();
          const before = meter.sample();
          await sides[side]();
          // Its own flag flips' purge belongs to this side: waited out inside its window.
          await settlePurge(sql);
          splits[side].push(meter.since(before));
        }
        console.log(
          `replicate-cpu round ${round + 1}: replicate ${showCpu(splits.replicate.at(-1)!)}; simplest ${showCpu(splits.simplest.at(-1)!)}; raw Bigtable writes ${showCpu(splits.raw.at(-1)!)}`,
        );
      }
      console.log(
        `replicate-cpu medians per process: replicate ${showCpu(medianCpu(splits.replicate))}; simplest ${showCpu(medianCpu(splits.simplest))}; raw Bigtable writes ${showCpu(medianCpu(splits.raw))}`,
      );
      console.log(
        benchLine(
          'replicate-cpu',
          median(splits.replicate.map(cpuTotal)),
          median(splits.simplest.map(cpuTotal)),
          'cpu-s',
          2,
        ),
      );
      // replicate-db-own-core's ceiling: rows per CPU-second of the core this process shares with
      // the emulator there, for the simplest job against the raw writes. A replication whose part
      // of the job on that core costs what the simplest job's does cannot pass it.
      // (The splits are per 50,000 rows.)
      const sharedCore = (all: CpuSplit[]) =>
        50_000 / median(all.map(split => split.node + split.emulator));
      console.log(
        `replicate-db-own-core-ceiling: replication ${sharedCore(splits.replicate).toFixed(0)} rows per shared-core cpu-s`,
      );
      console.log(
        benchLine(
          'replicate-db-own-core-ceiling',
          sharedCore(splits.simplest),
          sharedCore(splits.raw),
          'rows per shared-core cpu-s',
        ),
      );
    };

    for (const figure of figures) {
      if (figure === 'replicate-cpu') {
        await measureCpu();
        continue;
      }
      if (figure === 'replicate-db-own-core') {
        if (!platform)
          throw new Error(
            'replicate-db-own-core pins the services it starts: unset MYSQL_HOST and BIGTABLE_EMULATOR_HOST',
          );
        const mariadb = onlyProcess(platform.pids, 'mariadbd');
        pinToCpu(
          [process.pid, ...platform.pids.filter(pid => pid !== mariadb)],
          0,
        );
        pinToCpu([mariadb], 1);
      }
      await measure(figure);
    }
    await sql.close();
    await bigtable.close();
  } finally {
    await platform?.stop();
  }
}

runBench(main);
