import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {addDays, dayOf, startOfDay} from '../../core/day';
import type {Transaction} from '../../core/transaction';
import {type SuiteEnv, suiteEnv} from '../support/suite-env';
import {printingErrors} from '../support/hooks';
import {
  asTransaction,
  avroSubscriber,
  copiesById,
  marks,
  replicatedEnvelope,
  setWatermark,
  tableTransactions,
  transactionsOf,
  writeRows,
} from './avro-fixtures';
import {deliver} from './fixtures';
import {type ServedFunction, serveFunction} from './served-function';

let env: SuiteEnv;
let served: ServedFunction[] = [];
let subscriber: Awaited<ReturnType<typeof avroSubscriber>>;

const base = new Date(startOfDay(addDays(dayOf(new Date()), -2)).getTime());
const hour = (n: number) => new Date(base.getTime() + n * 3_600_000);
/** Short enough that the crash test's dead leases free up quickly, long beside a chunk's publish. */
const LEASE = {PUBLISH_LEASE_SECONDS: '10', PUBLISH_LEASE_POLL_MS: '100'};

test.before(
  printingErrors(async () => {
    env = await suiteEnv('fn-avro-concurrent');
    subscriber = await avroSubscriber(
      env.pubsub,
      env.resources.pubsub.avroTopic,
      'avro-concurrent-check',
    );
    served = await Promise.all([
      serveFunction('bigtableToAvro', {...env.vars, ...LEASE}),
      serveFunction('bigtableToAvro', {...env.vars, ...LEASE}),
    ]);
  }),
);

test.after(async () => {
  await subscriber?.close();
  await Promise.all(served.map(s => s.stop()));
  await env?.close();
});

const instance = () => env.bigtable.instance(env.resources.bigtable.instance);
const txnTable = () => instance().table(env.resources.bigtable.txn.id);
const stateTable = () => instance().table(env.resources.bigtable.state.id);
const signal = (fn: ServedFunction, messageId: string) =>
  deliver(
    fn.url,
    env.resources.project,
    env.resources.pubsub.replicatedTopic,
    replicatedEnvelope(messageId),
  );
const idsOf = (txns: readonly Transaction[]) => txns.map(t => t.id).sort();

test('two concurrent runs over 20,000 rows: every row published, duplicates counted and below 1%', async () => {
  const rows: Transaction[] = [];
  for (let h = 0; h < 4; h++)
    rows.push(...(await transactionsOf(`concurrent-${h}`, hour(h), 5000)));
  await writeRows(txnTable(), env.resources.bigtable.txn, rows);
  await setWatermark(stateTable(), env.resources.bigtable.state, hour(4));

  const answers = await Promise.all(
    served.map((fn, i) => signal(fn, `c-${i}`)),
  );
  for (const [i, answer] of answers.entries())
    assert.ok(
      answer.ok,
      `run ${i}: status ${answer.status}\n${served[i]!.log().slice(-2000)}`,
    );
  const received = await subscriber.settle(rows.length, 3000, 300_000);
  const copies = copiesById(received);
  assert.equal([...copies.keys()].sort(), idsOf(rows), 'every row published');
  const duplicates = received.length - copies.size;
  console.log(
    `  two concurrent runs: ${received.length} messages for ${copies.size} rows, ${duplicates} duplicates`,
  );
  assert.ok(
    duplicates < rows.length * 0.01,
    `${duplicates} duplicates of ${rows.length} rows`,
  );
  const marked = await marks(txnTable(), env.resources.bigtable.txn);
  assert.is(
    [...marked.values()].filter(values => values.length > 0).length,
    rows.length,
    'every row marked',
  );
});

test('SIGKILL between publish and mark: the next run publishes the rest; at most two copies, same transaction id', async () => {
  subscriber.clear();
  const rows = await transactionsOf('crash', hour(4), 1000);
  await writeRows(txnTable(), env.resources.bigtable.txn, rows);
  await setWatermark(stateTable(), env.resources.bigtable.state, hour(5));

  const crashed = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'avro-crash-fixture.ts')],
    {
      env: {...process.env, ...env.vars, ...LEASE, LOG_LEVEL: 'silent'},
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  assert.is(
    crashed.signal,
    'SIGKILL',
    `the fixture died by SIGKILL (status ${crashed.status}, ${crashed.stderr})`,
  );
  const crashedIds = (
    JSON.parse(crashed.stdout.trim().split('\n').pop()!) as {
      crashingAfter: string[];
    }
  ).crashingAfter;
  assert.ok(crashedIds.length > 0, 'a chunk was acknowledged before the crash');
  const beforeRecovery = await subscriber.settle(crashedIds.length, 2000);
  const publishedByCrash = new Set(beforeRecovery.map(m => m.transactionId));
  for (const id of crashedIds)
    assert.ok(
      publishedByCrash.has(id),
      `${id} reached the subscriber before the crash`,
    );

  const answer = await signal(served[0]!, 'after-crash');
  assert.ok(
    answer.ok,
    `status ${answer.status}\n${served[0]!.log().slice(-2000)}`,
  );
  const received = await subscriber.settle(rows.length, 3000);
  const copies = copiesById(received);
  assert.equal([...copies.keys()].sort(), idsOf(rows), 'every row published');
  const table = await tableTransactions(txnTable(), env.resources.bigtable.txn);
  for (const message of received)
    assert.equal(
      asTransaction(message.record),
      table.get(message.transactionId),
      'each copy is the row',
    );
  for (const [id, count] of copies) {
    assert.ok(count <= 2, `${id}: ${count} copies`);
    if (count === 2)
      assert.ok(
        publishedByCrash.has(id),
        `${id}: a second copy only for a row the crashed run published`,
      );
  }
  for (const id of crashedIds)
    assert.is(
      copies.get(id),
      2,
      `${id}: published by the crashed run, unmarked, so published again`,
    );
  const marked = await marks(txnTable(), env.resources.bigtable.txn);
  const crashRowIds = new Set(rows.map(r => r.id));
  const crashRows = [...marked.entries()].filter(([key]) =>
    crashRowIds.has(key.split('#')[3]!),
  );
  assert.is(crashRows.length, rows.length);
  for (const [key, values] of crashRows)
    assert.is(values.length, 1, `${key} marked once`);
});

test.run();
