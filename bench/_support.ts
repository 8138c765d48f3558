/** Shared by bench/generate.ts and bench/replicate.ts: a platform, SQL pools and pre-generated rows. */
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {cpus} from 'node:os';
import * as grpc from '@grpc/grpc-js';
import type {Table} from '@google-cloud/bigtable';
import {mutateEntries} from '../core/bigtable/mutate-entries';
import {type RawEntry} from '../core/bigtable/raw-entry';
import {createPool, type RowDataPacket} from 'mysql2/promise';
import {loadGenerator} from '../core/generation/generator';
import {batchIdForKey} from '../core/generation/slot';
import {provisionSql} from '../core/provision/sql';
import {openSqlPool, type SqlPool} from '../core/sql/connect';
import type {Transaction} from '../core/transaction';
import {
  type Platform,
  type ServiceName,
  startPlatform,
} from '../local/platform';

/** Starts the services this benchmark needs unless the environment already points at them. */
export async function platformFor(
  services: ServiceName[],
  needs: string[],
): Promise<Platform | undefined> {
  if (needs.every(name => process.env[name])) return undefined;
  const platform = await startPlatform({services});
  Object.assign(process.env, platform.env);
  return platform;
}

/** A provisioned database of its own, opened like the functions open theirs (`poolSize` connections, claim sessions as many). */
export async function benchDatabase(
  database: string,
  poolSize = 8,
): Promise<SqlPool> {
  const mysql = {
    host: process.env.MYSQL_HOST!,
    port: Number(process.env.MYSQL_PORT),
    user: process.env.MYSQL_USER!,
    password: process.env.MYSQL_PASSWORD ?? '',
  };
  const admin = createPool({...mysql, connectionLimit: 1});
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await provisionSql(admin, {instance: 'bench', database});
  } finally {
    await admin.end();
  }
  return openSqlPool({
    kind: 'tcp',
    ...mysql,
    database,
    limits: {
      size: poolSize,
      connectTimeoutMs: 10_000,
      acquireTimeoutMs: 30_000,
    },
  });
}

export interface GeneratedBatch {
  batchId: string;
  slotStart: Date;
  transactions: Transaction[];
}

/** `batches` batches of `perBatch` rows from the real generator, keyed `prefix-i`. */
export async function generatedBatches(
  prefix: string,
  batches: number,
  perBatch: number,
): Promise<GeneratedBatch[]> {
  const generator = await loadGenerator();
  const slotStart = new Date(
    Math.floor(Date.now() / 3_600_000) * 3_600_000 - 5 * 3_600_000,
  );
  return Array.from({length: batches}, (_, i) => {
    const batchId = batchIdForKey(`${prefix}-${i}`);
    return {
      batchId,
      slotStart,
      transactions: generator.generate({batchId, slotStart, count: perBatch}),
    };
  });
}

/**
 * Waits until InnoDB has purged what earlier statements left behind (undo logs, delete-marked index
 * entries), so an untimed reset between rounds does not spend its clean-up inside the next timed run.
 */
export async function settlePurge(
  sql: SqlPool,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [rows] = await sql.pool.query<RowDataPacket[]>(
      "SELECT `COUNT` AS n FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len'",
    );
    if (Number(rows[0]?.n) === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `InnoDB purge still has ${rows[0]?.n} transactions to clean after ${timeoutMs} ms`,
      );
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

/**
 * Pins every thread of the given processes (and the threads they start later) to one CPU, with
 * util-linux's taskset: Node has no call for it.
 */
export function pinToCpu(pids: number[], cpu: number): void {
  if (cpus().length <= cpu)
    throw new Error(
      `pinning to CPU ${cpu} needs at least ${cpu + 1} CPUs; this machine has ${cpus().length}`,
    );
  for (const pid of pids) {
    try {
      execFileSync(
        'taskset',
        ['--all-tasks', '--cpu-list', '--pid', String(cpu), String(pid)],
        {stdio: ['ignore', 'ignore', 'pipe']},
      );
    } catch (error) {
      const {code, stderr} = error as {code?: string; stderr?: Buffer};
      if (code === 'ENOENT')
        throw new Error(
          'taskset not found: install util-linux (sudo apt-get install -y util-linux)',
        );
      throw new Error(
        `taskset could not pin process ${pid} to CPU ${cpu}: ${stderr?.toString().trim() ?? error}`,
      );
    }
  }
}

/** MutateRows of `batch` rows, `inFlight` requests at a time, nothing else: the fastest plain write. */
export async function rawWrite(
  table: Table,
  entries: readonly RawEntry[],
  batch = 1000,
  inFlight = 4,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const start = next;
      next += batch;
      await mutateEntries(table, entries.slice(start, start + batch));
    }
  };
  await Promise.all(Array.from({length: inFlight}, worker));
}

export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function benchLine(
  name: string,
  value: number,
  baseline: number,
  unit: string,
  digits = 0,
): string {
  return `bench ${name}: ${value.toFixed(digits)} ${unit}; baseline ${baseline.toFixed(digits)} ${unit}; ratio ${(value / baseline).toFixed(2)}`;
}

let ticksPerSecond: number | undefined;

/** A process's command name (`/proc/PID/comm`): `cbtemulator`, `java`, `mariadbd`. */
export function processName(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

/**
 * CPU-seconds a process has used so far, every thread, user and system (utime + stime of
 * /proc/PID/stat), plus those of its children it has waited for (cutime + cstime).
 */
export function cpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(
    execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim(),
  );
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself hold spaces: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map(i =>
    Number(fields[i]),
  );
  return (utime! + stime! + cutime! + cstime!) / ticksPerSecond;
}

/**
 * The end of every bench file: runs its `main` with the figure names bench/run.ts passed, then
 * exits, 0 once it resolved (the clients' open handles would keep the process alive) or 1 with the
 * error printed.
 */
export function runBench(main: (figures: string[]) => Promise<void>): void {
  void main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** The figures of a bench file that `names` asks for, all when none; a name it lacks is an error. */
export function selectFigures<F extends string>(
  figures: readonly F[],
  names: readonly string[],
): F[] {
  const unknown = names.filter(
    name => !(figures as readonly string[]).includes(name),
  );
  if (unknown.length > 0)
    throw new Error(
      `unknown benchmark ${unknown.join(', ')}; this file has ${figures.join(', ')}`,
    );
  return figures.filter(name => names.length === 0 || names.includes(name));
}

/**
 * A plain gRPC channel to the Bigtable emulator for the benches' ceilings: `call` sends request
 * bytes to a Bigtable data method (`ReadRows`, `MutateRows`) and resolves with the number of
 * response bytes, nothing decoded.
 */
export function emulatorBytesChannel(): {
  call(method: string, request: Buffer): Promise<number>;
  close(): void;
} {
  const client = new grpc.Client(
    process.env.BIGTABLE_EMULATOR_HOST!,
    grpc.credentials.createInsecure(),
  );
  return {
    call: (method, request) =>
      new Promise<number>((resolve, reject) => {
        let bytes = 0;
        const call = client.makeServerStreamRequest(
          `/google.bigtable.v2.Bigtable/${method}`,
          (b: Buffer) => b,
          (b: Buffer) => b,
          request,
          new grpc.Metadata(),
          {},
        );
        call.on('data', (b: Buffer) => (bytes += b.length));
        call.once('error', reject);
        call.once('end', () => resolve(bytes));
      }),
    close: () => client.close(),
  };
}
