import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {createConnection, type RowDataPacket} from 'mysql2/promise';
import {download} from '../../core/storage/download';
import {isPortOpen} from '../../local/free-ports';
import {startPlatform} from '../../local/platform';
import {PrerequisiteError} from '../../local/prerequisite-error';
import {isProcessGone, waitUntilGone} from '../support/process-gone';
import {platformEnv} from '../support/platform-env';
import {platformClients} from '../support/suite-env';
import {suiteResources} from '../support/suite-resources';

const resources = suiteResources('platform');
const {platform, bigtable, pubsub, storage} = platformClients(
  resources.project,
);

test.after(async () => {
  await Promise.allSettled([bigtable.close(), pubsub.close()]);
});

test('the platform exports every variable the clients need', () => {
  for (const name of [
    'BIGTABLE_EMULATOR_HOST',
    'PUBSUB_EMULATOR_HOST',
    'STORAGE_EMULATOR_HOST',
    'MYSQL_HOST',
    'MYSQL_PASSWORD',
  ]) {
    assert.ok(process.env[name], name);
  }
  assert.is(process.env.METADATA_SERVER_DETECTION, 'none');
  assert.match(
    platform.storageEmulatorHost,
    /^http:\/\/127\.0\.0\.1:\d+\/storage\/v1$/,
  );
  assert.throws(() => platformEnv({}), /npm test/);
});

test('Bigtable answers: a table is created, written and read', async () => {
  const instance = bigtable.instance(resources.bigtable.instance);
  await instance.createTable('probe', {families: ['f']});
  const table = instance.table('probe');
  await table.insert([{key: 'k1', data: {f: {q: 'v1'}}}]);
  const [rows] = await table.getRows();
  assert.equal(
    rows.map(r => r.id),
    ['k1'],
  );
});

test('Pub/Sub answers: a message published is pulled back', async () => {
  const [topic] = await pubsub.createTopic('probe');
  const [subscription] = await topic.createSubscription('probe');
  await topic.publishMessage({data: Buffer.from('hello')});
  const received = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('no message in 10 s')),
      10_000,
    );
    subscription.once('message', message => {
      clearTimeout(timer);
      message.ack();
      resolve(message.data.toString());
    });
  });
  await subscription.close();
  assert.is(received, 'hello');
});

test('Cloud Storage answers: an object is uploaded (simple and resumable) and read back', async () => {
  const [bucket] = await storage.createBucket(resources.storage.bucket);
  await bucket.file('a/small.csv').save('day,count\n', {resumable: false});
  await bucket.file('a/large.csv').save('x'.repeat(300_000), {resumable: true});
  const small = await download(bucket.file('a/small.csv'));
  const large = await download(bucket.file('a/large.csv'));
  assert.is(small.toString(), 'day,count\n');
  assert.is(large.length, 300_000);
  const [files] = await bucket.getFiles({prefix: 'a/'});
  assert.equal(files.map(f => f.name).sort(), ['a/large.csv', 'a/small.csv']);
});

test('MariaDB answers over TCP as the platform user, who may create databases', async () => {
  const connection = await createConnection(platform.mysql);
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT VERSION() AS version',
    );
    assert.match(String(rows[0]?.version), /MariaDB/);
    await connection.query(`CREATE DATABASE \`${resources.sql.database}\``);
    await connection.query(`DROP DATABASE \`${resources.sql.database}\``);
  } finally {
    await connection.end();
  }
});

test('a second platform stops without leaving a process or a port behind', async () => {
  const second = await startPlatform();
  try {
    console.log(`      second platform started in ${second.startupMs} ms`);
    assert.is(second.pids.length, 4);
    assert.is(second.ports.length, 4);
    for (const pid of second.pids)
      assert.not.ok(isProcessGone(pid), `pid ${pid} runs`);
    for (const port of second.ports)
      assert.ok(await isPortOpen(port), `port ${port} open`);
  } finally {
    await second.stop();
  }
  for (const pid of second.pids)
    assert.ok(isProcessGone(pid), `pid ${pid} gone`);
  for (const port of second.ports)
    assert.not.ok(await isPortOpen(port), `port ${port} closed`);
  assert.not.ok(existsSync(second.dir), 'its directory is removed');
});

test("a platform's services die with their parent, even one killed by SIGKILL", async () => {
  const fixture = join(__dirname, '..', 'support', 'hold-platform.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', code =>
      reject(new Error(`fixture exited with ${code}`)),
    );
  });
  const held = JSON.parse(line) as {
    pids: number[];
    ports: number[];
    dir: string;
  };
  child.kill('SIGKILL');
  await new Promise(resolve => child.once('close', resolve));
  const left = await waitUntilGone(held.pids, held.ports);
  assert.equal(left, {pids: [], ports: []});
  // Its directory outlives it, until the next platform starts and sweeps it away.
  assert.ok(existsSync(held.dir));
  const next = await startPlatform({services: ['bigtable']});
  await next.stop();
  assert.not.ok(existsSync(held.dir), 'the abandoned directory is removed');
});

test('a missing prerequisite fails at once with the command that installs it', async () => {
  const emptyCache = mkdtempSync(join(tmpdir(), 'finserv-empty-cache-'));
  const saved = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = emptyCache;
  try {
    await startPlatform({services: ['gcs']}).then(
      () => assert.unreachable('started without fake-gcs-server'),
      (error: unknown) => {
        assert.instance(error, PrerequisiteError);
        assert.match((error as Error).message, 'bash scripts/setup.sh');
      },
    );
  } finally {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    rmSync(emptyCache, {recursive: true, force: true});
  }
});

test.run();
