import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import {existsSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {type SuiteEnv, suiteEnv} from '../support/suite-env';
import {avroSubscriber} from './avro-fixtures';
import {countRows, pastHour, waitFor} from './fixtures';
import {type ServedFunction, serveFunction} from './served-function';
import {printingErrors} from '../support/hooks';

/** The deployable artifacts themselves: dist/<name>/index.js plus its lazily required runtime.js. */
const root = join(__dirname, '..', '..');
let env: SuiteEnv;
let served: ServedFunction[] = [];
let subscriber: Awaited<ReturnType<typeof avroSubscriber>>;

test.before(
  printingErrors(async () => {
    const build = spawnSync(
      process.execPath,
      [
        join(root, 'esbuild.config.mjs'),
        'httpGenerate',
        'pubsubReplicate',
        'bigtableToAvro',
      ],
      {cwd: root, encoding: 'utf8'},
    );
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    env = await suiteEnv('fn-bundles');
    served = await Promise.all(
      (['httpGenerate', 'pubsubReplicate', 'bigtableToAvro'] as const).map(
        name => serveFunction(name, env.vars, {bundle: true}),
      ),
    );
    const {project, pubsub} = env.resources;
    await env.pubsub
      .subscription(pubsub.replicateSubscription)
      .modifyPushConfig({
        pushEndpoint: `${served[1]!.url}/projects/${project}/topics/${pubsub.generatedTopic}`,
      });
    // What Eventarc does in the cloud: push the replicated signals to bigtableToAvro.
    await env.pubsub
      .topic(pubsub.replicatedTopic)
      .createSubscription('bigtable-to-avro', {
        pushConfig: {
          pushEndpoint: `${served[2]!.url}/projects/${project}/topics/${pubsub.replicatedTopic}`,
        },
      });
    subscriber = await avroSubscriber(
      env.pubsub,
      pubsub.avroTopic,
      'avro-bundles-check',
    );
  }),
);

test.after(async () => {
  await subscriber?.close();
  await Promise.allSettled(served.map(s => s.stop()));
  await env?.close();
});

/** What a cold start compiles: the entry alone (today about 90 KiB); the runtime is megabytes. */
const ENTRY_MAX_BYTES = 256 * 1024;
// bigtableToAvro's, the smallest, is about 2 MiB since the build's shrinks (bench/README.md).
const RUNTIME_MIN_BYTES = 1024 * 1024;

test('each function bundle is a small entry plus a runtime loaded on first use', () => {
  for (const name of ['httpGenerate', 'pubsubReplicate', 'bigtableToAvro']) {
    const entry = statSync(join(root, 'dist', name, 'index.js')).size;
    assert.ok(
      entry <= ENTRY_MAX_BYTES,
      `dist/${name}/index.js is ${entry} bytes, more than ${ENTRY_MAX_BYTES}: the runtime was bundled into the entry`,
    );
    const runtime = join(root, 'dist', name, 'runtime.js');
    assert.ok(existsSync(runtime), `${name}/runtime.js`);
    assert.ok(
      statSync(runtime).size >= RUNTIME_MIN_BYTES,
      `dist/${name}/runtime.js holds the clients and drivers`,
    );
    // Loading the entry (what the framework does at start) registers the function and reads
    // nothing of the runtime.
    const load = spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(root, 'dist', name, 'index.js'))}); console.log(JSON.stringify(Object.keys(require.cache)))`,
      ],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          GOOGLE_CLOUD_PROJECT: 'bundle-check',
          MYSQL_HOST: '127.0.0.1',
          MYSQL_USER: 'nobody',
          LOG_LEVEL: 'silent',
        },
      },
    );
    assert.is(load.status, 0, load.stderr);
    const loaded: string[] = JSON.parse(load.stdout.trim().split('\n').at(-1)!);
    assert.ok(
      loaded.includes(join(root, 'dist', name, 'index.js')),
      `${name}: the entry was loaded`,
    );
    assert.equal(
      loaded.filter(file => file === runtime),
      [],
      `${name}: the entry loaded its runtime at start`,
    );
  }
});

test('each runtime bundle ships a V8 code cache that a fresh Node uses', () => {
  const loader = join(root, 'core', 'code-cache.ts');
  for (const name of ['httpGenerate', 'pubsubReplicate', 'bigtableToAvro']) {
    const runtime = join(root, 'dist', name, 'runtime.js');
    assert.ok(
      existsSync(`${runtime}.v8cache`),
      `dist/${name}/runtime.js.v8cache is shipped`,
    );
    const script = `const { loadWithCodeCache } = require(${JSON.stringify(loader)}); const { exports, cache } = loadWithCodeCache(${JSON.stringify(runtime)}); console.log(cache, typeof exports.buildRuntime)`;
    const load = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', script],
      {
        encoding: 'utf8',
        env: {PATH: process.env.PATH, METADATA_SERVER_DETECTION: 'none'},
      },
    );
    assert.is(load.status, 0, load.stderr);
    assert.is(
      load.stdout.trim().split('\n').at(-1),
      'used function',
      `${name}: the code cache was not used`,
    );
  }
});

test('the bundled functions generate, replicate and publish to the AVRO topic end to end', async () => {
  // Three hours back: before the replication watermark (an hour of grace, then the hour before).
  const response = await fetch(`${served[0]!.url}/`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({count: 120, hour: pastHour(3).toISOString()}),
  });
  assert.is(response.status, 200, await response.clone().text());
  await waitFor(
    'every row flagged as sent',
    async () => (await countRows(env.pool, 'sent_to_big_table = TRUE')) === 120,
    30_000,
  );
  const [rows] = await env.bigtable
    .instance(env.resources.bigtable.instance)
    .table(env.resources.bigtable.txn.id)
    .getRows();
  assert.is(rows.length, 120);
  const received = await subscriber.settle(120, 1500, 60_000);
  assert.equal(
    received.map(m => m.transactionId).sort(),
    rows.map(row => String(row.id).split('#')[3]).sort(),
  );
});

test.run();
