/**
 * Cold starts of the bundled functions (dist/<name>/, built by `npm run build`) served by the
 * Functions Framework CLI, each against a bare Functions Framework hello world started the same
 * way in the same run (time from spawning the process to the first answer of a GET):
 *
 *   cold-start        process start to the first answer of a REAL request against the local
 *                     services: httpGenerate a valid POST of a small count (pool, generator, insert,
 *                     publish to the Pub/Sub emulator), pubsubReplicate a valid signal with rows
 *                     waiting (pool, Bigtable client, claim, write, flag, watermark), bigtableToAvro a
 *                     replicated signal with rows replicated and not yet published (the topic's schema,
 *                     read, encode, publish to the AVRO topic, mark). This includes loading the lazy
 *                     runtime bundle and building the clients on first use.
 *   cold-start-entry  process start to the first answer that needs no runtime (httpGenerate a GET
 *                     -> 400, pubsubReplicate a malformed event -> acknowledged, bigtableToAvro,
 *                     whose every event needs the runtime, a GET, which the framework answers
 *                     itself without calling the function): the entry alone.
 *
 * Each ends with `bench NAME: <slower function> ms; baseline <hello> ms; ratio R`. The real figure
 * also prints what its time is made of: the entry's start, loading the runtime bundle alone as the
 * entry does (in a fresh process, with its code cache), and the same request answered again by the warm process.
 */
import {spawn, spawnSync} from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import {join} from 'node:path';
import {PubSub} from '@google-cloud/pubsub';
import type {Bigtable} from '@google-cloud/bigtable';
import {createBigtableClient} from '../core/bigtable/client';
import {DELIVERY_COLUMNS} from '../core/bigtable/txn-row';
import {createLogger} from '../core/log';
import {replicateUnsent} from '../core/replication/replicate';
import {
  encodeReplicatedSignal,
  replicatedSignalAttributes,
  type ReplicatedSignal,
} from '../core/pubsub/replicated-signal';
import {loadGenerator} from '../core/generation/generator';
import {batchIdForKey} from '../core/generation/slot';
import {provisionBigtable} from '../core/provision/bigtable';
import {provisionPubsub} from '../core/provision/pubsub';
import {readTransactionAvsc} from '../core/provision/transaction-avsc';
import {defaultResources} from '../core/resources';
import type {SqlPool} from '../core/sql/connect';
import {insertBatch} from '../core/sql/generation-batches';
import type {BatchSignal} from '../core/pubsub/batch-signal';
import {readReplicateConfig} from '../functions/pubsubReplicate/config';
import {freePorts} from '../local/free-ports';
import {FUNCTIONS_FRAMEWORK_CLI} from '../local/served-function';
import {pushEnvelope} from '../test/functions/fixtures';
import {
  benchDatabase,
  benchLine,
  median,
  platformFor,
  runBench,
} from './_support';

const root = join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const PROJECT = 'bench-project';
const DATABASE = 'bench_cold_start';
/** Rows a real generate request writes, and rows waiting for a real replicate signal. */
const REAL_ROWS = 100;
const FUNCTIONS = [
  'httpGenerate',
  'pubsubReplicate',
  'bigtableToAvro',
] as const;
const H = 3_600_000;

interface Target {
  name: string;
  source: string;
  signature: 'http' | 'cloudevent';
  env: Record<string, string>;
  /** Untimed work before each start (rows to replicate). */
  prepare?: () => Promise<void>;
  /** The request whose first answer ends the clock; a fresh one for every call. */
  request: (url: string) => Promise<Response>;
  /** A real request must succeed (2xx); the entry's requests are answered 400 or acknowledged. */
  mustSucceed?: boolean;
  /** Any answer ends the clock: one the framework gives without calling the function. */
  anyAnswer?: boolean;
}

const baseEnv = {
  PATH: process.env.PATH ?? '',
  GOOGLE_CLOUD_PROJECT: PROJECT,
  METADATA_SERVER_DETECTION: 'none',
  LOG_LEVEL: 'warn',
  NODE_ENV: 'production',
};

/**
 * `BENCH_CPU_PROFILE_DIR=DIR`: every start writes a V8 CPU profile (`--cpu-prof`) under DIR/<target>/,
 * to be read with the bundles' source maps. Profiling slows every start: figures of such a run are
 * not comparable with others.
 */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
const withProfile = (target: Target) =>
  PROFILE_DIR
    ? {
        ...target.env,
        NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(PROFILE_DIR, target.name)}`,
      }
    : target.env;

/** CPU milliseconds (user + system, every thread) a process has used so far, from /proc (10 ms ticks). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .split(') ')[1]!
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Milliseconds from spawn to the first answer and the CPU the process used until then; with
 * `again`, also the same request answered by the warm process.
 */
async function startAndAsk(
  target: Target,
  again = false,
): Promise<{first: number; cpu: number; warm?: number}> {
  await target.prepare?.();
  const [port] = await freePorts(1);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      FUNCTIONS_FRAMEWORK_CLI,
      `--target=${target.name}`,
      `--signature-type=${target.signature}`,
      `--source=${target.source}`,
      `--port=${port}`,
    ],
    {env: withProfile(target), stdio: ['ignore', 'ignore', 'pipe']},
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const url = `http://127.0.0.1:${port}`;
  const ask = async () => {
    const response = await target.request(url);
    const body = await response.text();
    if (
      (response.status >= 500 && !target.anyAnswer) ||
      (target.mustSucceed && response.status >= 300)
    )
      throw new AnswerError(
        `${target.name} answered ${response.status}: ${body.slice(0, 300)} ${stderr.slice(-2000)}`,
      );
    return response.status;
  };
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${target.name} exited: ${stderr}`);
      try {
        await ask();
        break;
      } catch (error) {
        if (error instanceof AnswerError) throw error;
        // Not listening yet: the request was never received.
        await new Promise(resolve => setTimeout(resolve, 2));
      }
      if (performance.now() - started > 60_000)
        throw new Error(`${target.name}: no answer within 60 s`);
    }
    const first = performance.now() - started;
    const cpu = processCpuMs(child.pid!);
    if (!again) return {first, cpu};
    await target.prepare?.();
    const warmStarted = performance.now();
    await ask();
    return {first, cpu, warm: performance.now() - warmStarted};
  } finally {
    // The framework exits on SIGTERM, which writes a profile.
    child.kill(PROFILE_DIR ? 'SIGTERM' : 'SIGKILL');
    await exited;
  }
}

class AnswerError extends Error {}

/**
 * Loading a function's runtime bundle alone in a fresh process, as its entry does (with the code
 * cache beside it when the build wrote one; compiling ~10 MB of JavaScript when not).
 */
function runtimeLoadMs(name: string): number {
  const runtime = join(root, 'dist', name, 'runtime.js');
  const loader = join(root, 'core', 'code-cache.ts');
  const script = `const { loadWithCodeCache } = require(${JSON.stringify(loader)}); const t = performance.now(); const { cache } = loadWithCodeCache(${JSON.stringify(runtime)}); console.log(performance.now() - t, cache)`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    encoding: 'utf8',
    env: baseEnv,
  });
  if (run.status !== 0)
    throw new Error(`loading ${runtime} failed: ${run.stderr}`);
  return Number(run.stdout.trim().split('\n').at(-1)!.split(' ')[0]);
}

function helloTarget(dir: string): Target {
  // Lives under dist/ so that it resolves the framework from this repo's node_modules.
  mkdirSync(dir, {recursive: true});
  writeFileSync(
    join(dir, 'index.js'),
    "require('@google-cloud/functions-framework').http('hello', (req, res) => res.send('hello'));\n",
  );
  return {
    name: 'hello',
    source: dir,
    signature: 'http',
    env: baseEnv,
    request: url => fetch(url),
  };
}

const replicatePath = `/projects/${PROJECT}/topics/${defaultResources(PROJECT).pubsub.generatedTopic}`;
const avroPath = `/projects/${PROJECT}/topics/${defaultResources(PROJECT).pubsub.replicatedTopic}`;
const postJson = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify(body),
  });

/** The entry only: requests answered before the runtime is needed. */
function entryTargets(): Target[] {
  const env = {
    ...baseEnv,
    MYSQL_HOST: '127.0.0.1',
    MYSQL_PORT: '9',
    MYSQL_USER: 'nobody',
  };
  const malformed = {
    message: {data: Buffer.from('not json').toString('base64'), messageId: '1'},
    subscription: 's',
  };
  return [
    {
      name: 'httpGenerate',
      source: join(root, 'dist', 'httpGenerate'),
      signature: 'http',
      env,
      request: url => fetch(url),
    },
    {
      name: 'pubsubReplicate',
      source: join(root, 'dist', 'pubsubReplicate'),
      signature: 'cloudevent',
      env,
      request: url => postJson(`${url}${replicatePath}`, malformed),
    },
    // bigtableToAvro needs its runtime for every event. An event function is only called for a POST,
    // so a GET is answered by the framework alone (a 500 from its event middleware, which expects a
    // body): the first answer with the entry loaded.
    {
      name: 'bigtableToAvro',
      source: join(root, 'dist', 'bigtableToAvro'),
      signature: 'cloudevent',
      env,
      anyAnswer: true,
      request: url => fetch(url),
    },
  ];
}

/** Real requests against the running local services, each writing rows of its own. */
async function realTargets(
  sql: SqlPool,
  bigtable: Bigtable,
): Promise<Target[]> {
  const env = {
    ...baseEnv,
    MYSQL_HOST: process.env.MYSQL_HOST!,
    MYSQL_PORT: process.env.MYSQL_PORT!,
    MYSQL_USER: process.env.MYSQL_USER!,
    MYSQL_PASSWORD: process.env.MYSQL_PASSWORD ?? '',
    SQL_DATABASE: DATABASE,
    PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST!,
    BIGTABLE_EMULATOR_HOST: process.env.BIGTABLE_EMULATOR_HOST!,
  };
  const generator = await loadGenerator();
  // Every request's rows get an hour of their own, each later than all before it and all well
  // behind the watermark: a generate is never answered from a stored batch, and a publication run
  // (which reads from the earliest new row to the watermark) reads only the rows of its own round,
  // not everything the earlier rounds left.
  const firstHour = Math.floor(Date.now() / H) * H - 100 * H;
  let hours = 0;
  const nextHour = () => new Date(firstHour + hours++ * H);
  let waiting = 0;
  let generateHour: Date | undefined;
  let signal: BatchSignal | undefined;
  let replicated: ReplicatedSignal | undefined;
  const waitingRows = async () => {
    const batchId = batchIdForKey(`cold-start-waiting-${waiting++}`);
    const slotStart = nextHour();
    const transactions = generator.generate({
      batchId,
      slotStart,
      count: REAL_ROWS,
    });
    return (await insertBatch(sql, {batchId, slotStart, transactions})).batch;
  };
  // Replication as pubsubReplicate does it, in this process, so the rows wait for publication.
  const replicateConfig = readReplicateConfig({
    ...env,
    GOOGLE_CLOUD_PROJECT: PROJECT,
  });
  const instance = bigtable.instance(replicateConfig.bigtable.instance);
  const replicationDeps = {
    sql,
    txnTable: instance.table(replicateConfig.bigtable.txn.id),
    txnSchema: replicateConfig.bigtable.txn,
    stateTable: instance.table(replicateConfig.bigtable.state.id),
    stateSchema: replicateConfig.bigtable.state,
    log: createLogger('bench', undefined, 'silent'),
  };
  return [
    {
      name: 'httpGenerate',
      source: join(root, 'dist', 'httpGenerate'),
      signature: 'http',
      env,
      mustSucceed: true,
      // The hour is taken once per start: the request is sent again every 2 ms until the port is open.
      prepare: async () => {
        generateHour = nextHour();
      },
      request: url =>
        postJson(url, {count: REAL_ROWS, hour: generateHour!.toISOString()}),
    },
    {
      name: 'pubsubReplicate',
      source: join(root, 'dist', 'pubsubReplicate'),
      signature: 'cloudevent',
      env,
      mustSucceed: true,
      prepare: async () => {
        signal = await waitingRows();
      },
      request: url =>
        postJson(`${url}${replicatePath}`, pushEnvelope(signal!, 's')),
    },
    {
      name: 'bigtableToAvro',
      source: join(root, 'dist', 'bigtableToAvro'),
      signature: 'cloudevent',
      env,
      mustSucceed: true,
      prepare: async () => {
        await waitingRows();
        const report = await replicateUnsent(
          replicationDeps,
          replicateConfig.options,
        );
        if (!report.span || report.replicated < REAL_ROWS)
          throw new Error(
            `bigtableToAvro's rows were not replicated: ${JSON.stringify(report)}`,
          );
        replicated = {
          rows: report.replicated,
          firstOccurredAt: report.span.first,
          lastOccurredAt: report.span.last,
        };
      },
      request: url =>
        postJson(`${url}${avroPath}`, {
          message: {
            data: encodeReplicatedSignal(replicated!).toString('base64'),
            attributes: replicatedSignalAttributes(replicated!),
            messageId: String(waiting),
          },
          subscription: 'projects/bench/subscriptions/bigtable-to-avro',
        }),
    },
  ];
}

/** Rows of txn_tbl that bigtableToAvro has not marked published. */
async function unpublishedRows(bigtable: Bigtable): Promise<number> {
  const {txn} = defaultResources(PROJECT).bigtable;
  const [rows] = await bigtable
    .instance(defaultResources(PROJECT).bigtable.instance)
    .table(txn.id)
    .getRows({filter: [{family: txn.families.delivery}]});
  return rows.filter(
    row => !row.data[txn.families.delivery]?.[DELIVERY_COLUMNS.passedToPubSub],
  ).length;
}

async function unsentRows(sql: SqlPool): Promise<number> {
  const [rows] = await sql.pool.query(
    'SELECT COUNT(*) AS n FROM transactions WHERE sent_to_big_table = FALSE',
  );
  return Number((rows as Array<{n: number}>)[0]!.n);
}

/** Interleaved rounds (drift in machine load hits every target alike); medians. */
async function measure(
  name: string,
  targets: Target[],
  hello: Target,
  extra?: (medians: Map<string, number>) => Promise<void>,
): Promise<void> {
  const samples = new Map<string, number[]>(
    [hello, ...targets].map(t => [t.name, []]),
  );
  const cpu = new Map<string, number[]>(
    [hello, ...targets].map(t => [t.name, []]),
  );
  const warm = new Map<string, number[]>(targets.map(t => [t.name, []]));
  await startAndAsk(hello); // warm the file cache, not counted
  for (const target of targets) await startAndAsk(target);
  for (let round = 0; round < ROUNDS; round++) {
    const helloStart = await startAndAsk(hello);
    samples.get('hello')!.push(helloStart.first);
    cpu.get('hello')!.push(helloStart.cpu);
    for (const target of targets) {
      const {
        first,
        cpu: used,
        warm: again,
      } = await startAndAsk(target, extra !== undefined);
      samples.get(target.name)!.push(first);
      cpu.get(target.name)!.push(used);
      if (again !== undefined) warm.get(target.name)!.push(again);
    }
  }
  const medians = new Map(
    [...samples].map(([n, values]) => [n, median(values)]),
  );
  const helloMs = medians.get('hello')!;
  console.log(`${name}:`);
  const helloCpu = median(cpu.get('hello')!);
  for (const [target, values] of samples) {
    const cpuMs = median(cpu.get(target)!);
    console.log(
      `  ${target.padEnd(16)} median ${medians.get(target)!.toFixed(0)} ms over ${ROUNDS} starts (${values.map(v => v.toFixed(0)).join(', ')}); ratio ${(medians.get(target)! / helloMs).toFixed(2)}; ` +
        `CPU until the answer ${cpuMs.toFixed(0)} ms (ratio ${(cpuMs / helloCpu).toFixed(2)})`,
    );
  }
  for (const [target, values] of warm)
    if (values.length > 0) medians.set(`${target}:warm`, median(values));
  await extra?.(medians);
  const worst = targets
    .map(t => t.name)
    .sort((a, b) => medians.get(b)! - medians.get(a)!)[0]!;
  console.log(benchLine(name, medians.get(worst)!, helloMs, 'ms'));
}

async function coldStartEntry(hello: Target): Promise<void> {
  await measure('cold-start-entry', entryTargets(), hello);
}

async function coldStart(hello: Target): Promise<void> {
  const platform = await platformFor(
    ['mariadb', 'pubsub', 'bigtable'],
    ['MYSQL_HOST', 'PUBSUB_EMULATOR_HOST', 'BIGTABLE_EMULATOR_HOST'],
  );
  const resources = defaultResources(PROJECT);
  const sql = await benchDatabase(DATABASE);
  const bigtable = createBigtableClient({projectId: PROJECT});
  const pubsub = new PubSub({projectId: PROJECT});
  try {
    await Promise.all([
      provisionBigtable(bigtable, resources.bigtable),
      provisionPubsub(pubsub, resources.pubsub, {
        avroSchemaDefinition: readTransactionAvsc(),
        withReplicateSubscription: false,
      }),
    ]);
    await measure(
      'cold-start',
      await realTargets(sql, bigtable),
      hello,
      async medians => {
        console.log(
          '  where the time goes (medians of 3 for the entry and the runtime load):',
        );
        for (const target of entryTargets()) {
          const name = target.name;
          const entryMs = median([
            (await startAndAsk(target)).first,
            (await startAndAsk(target)).first,
            (await startAndAsk(target)).first,
          ]);
          const requireMs = median([0, 1, 2].map(() => runtimeLoadMs(name)));
          const total = medians.get(name)!;
          const warmMs = medians.get(`${name}:warm`)!;
          const setup = total - entryMs - requireMs - warmMs;
          // The floor of this design: the same answer if first-use setup cost nothing.
          const floor = entryMs + requireMs + warmMs;
          console.log(
            `  ${name.padEnd(16)} entry start ${entryMs.toFixed(0)} ms + runtime load ${requireMs.toFixed(0)} ms + first-use setup ${setup.toFixed(0)} ms + the request itself (warm) ${warmMs.toFixed(0)} ms = ${total.toFixed(0)} ms; ` +
              `without the setup ${floor.toFixed(0)} ms (ratio ${(floor / medians.get('hello')!).toFixed(2)})`,
          );
        }
      },
    );
    const left = await unsentRows(sql);
    if (left !== 0)
      throw new Error(
        `${left} rows left unsent: a replicate request did not do its work`,
      );
    // bigtableToAvro's request comes last in every round, after every row was replicated.
    const unpublished = await unpublishedRows(bigtable);
    if (unpublished !== 0)
      throw new Error(
        `${unpublished} rows of txn_tbl left unpublished: a bigtableToAvro request did not do its work`,
      );
  } finally {
    await Promise.allSettled([sql.close(), bigtable.close(), pubsub.close()]);
    await platform?.stop();
  }
}

const BENCHMARKS: Record<string, (hello: Target) => Promise<void>> = {
  'cold-start': coldStart,
  'cold-start-entry': coldStartEntry,
};

async function main(args: string[]): Promise<void> {
  const names = args.length > 0 ? args : Object.keys(BENCHMARKS);
  const unknown = names.filter(name => !BENCHMARKS[name]);
  if (unknown.length > 0)
    throw new Error(
      `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`,
    );
  for (const name of FUNCTIONS) {
    if (!existsSync(join(root, 'dist', name, 'runtime.js')))
      throw new Error(`dist/${name}/ is missing: run \`npm run build\` first`);
  }
  const helloDir = join(root, 'dist', '.bench-hello');
  try {
    const hello = helloTarget(helloDir);
    for (const name of names) await BENCHMARKS[name]!(hello);
  } finally {
    rmSync(helloDir, {recursive: true, force: true});
  }
}

runBench(main);
