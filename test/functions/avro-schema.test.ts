import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {addDays, dayOf, startOfDay} from '../../core/day';
import {provisionAll} from '../../core/provision/provision';
import {readTransactionAvsc} from '../../core/provision/transaction-avsc';
import {avroType} from '../../core/pubsub/avro-codec';
import {type SuiteEnv, suiteEnv} from '../support/suite-env';
import {printingErrors} from '../support/hooks';
import {
  asTransaction,
  avroSubscriber,
  replicatedEnvelope,
  setWatermark,
  tableTransactions,
  transactionsOf,
  writeRows,
} from './avro-fixtures';
import {deliver} from './fixtures';
import {type ServedFunction, serveFunction} from './served-function';

const BINARY = {pubsub: {avroEncoding: 'BINARY' as const}};
let env: SuiteEnv;
let first: ServedFunction | undefined;
let subscriber: Awaited<ReturnType<typeof avroSubscriber>>;

const base = new Date(startOfDay(addDays(dayOf(new Date()), -2)).getTime());
const hour = (n: number) => new Date(base.getTime() + n * 3_600_000);

test.before(
  printingErrors(async () => {
    env = await suiteEnv('fn-avro-binary', {provisionOptions: BINARY});
    subscriber = await avroSubscriber(
      env.pubsub,
      env.resources.pubsub.avroTopic,
      'avro-binary-check',
    );
  }),
);

test.after(async () => {
  await first?.stop();
  await subscriber?.close();
  await env?.close();
});

const instance = () => env.bigtable.instance(env.resources.bigtable.instance);
const txnTable = () => instance().table(env.resources.bigtable.txn.id);
const stateTable = () => instance().table(env.resources.bigtable.state.id);
const schemaName = () =>
  `projects/${env.resources.project}/schemas/${env.resources.pubsub.avroSchema}`;

async function run(fn: ServedFunction, messageId: string) {
  const answer = await deliver(
    fn.url,
    env.resources.project,
    env.resources.pubsub.replicatedTopic,
    replicatedEnvelope(messageId),
  );
  assert.ok(answer.ok, `status ${answer.status}\n${fn.log().slice(-2000)}`);
}

async function revisions() {
  const client = await env.pubsub.getSchemaClient();
  const [found] = await client.listSchemaRevisions({
    name: schemaName(),
    view: 'FULL',
  });
  return found;
}

/** The .avsc plus an optional field with a default: a compatible evolution. */
const evolved = () => {
  const schema = JSON.parse(readTransactionAvsc()) as {fields: unknown[]};
  schema.fields.push({
    name: 'channel',
    type: ['null', 'string'],
    default: null,
    doc: 'where the transaction was made, when known',
  });
  return JSON.stringify(schema, null, 2);
};

test('BINARY topic: a subscriber decodes exactly the rows of txn_tbl', async () => {
  const rows = [
    ...(await transactionsOf('bin-0', hour(0), 150)),
    ...(await transactionsOf('bin-1', hour(1), 150)),
  ];
  await writeRows(txnTable(), env.resources.bigtable.txn, rows);
  await setWatermark(stateTable(), env.resources.bigtable.state, hour(2));
  first = await serveFunction('bigtableToAvro', env.vars);
  await run(first, 'b-1');
  const received = await subscriber.settle(rows.length);
  assert.is(received.length, rows.length);
  const table = await tableTransactions(txnTable(), env.resources.bigtable.txn);
  assert.is(table.size, rows.length);
  for (const message of received) {
    assert.is(message.encoding, 'BINARY');
    assert.equal(
      asTransaction(message.record),
      table.get(message.transactionId),
    );
  }
});

test('schema evolution: an optional field with a default commits a new revision; messages of both revisions decode', async () => {
  const before = await revisions();
  assert.is(before.length, 1);
  const clients = {pubsub: env.pubsub};
  await provisionAll(clients, env.resources, {
    pubsub: {...BINARY.pubsub, avroSchemaDefinition: evolved()},
  });
  await provisionAll(clients, env.resources, {
    pubsub: {...BINARY.pubsub, avroSchemaDefinition: evolved()},
  });
  const after = await revisions();
  assert.is(after.length, 2, 'one new revision, committed once');
  const newest = after.find(r => r.revisionId !== before[0]!.revisionId)!;
  assert.equal(JSON.parse(newest.definition!), JSON.parse(evolved()));

  // The running instance read the topic's schema when it started: it still writes the first revision.
  subscriber.clear();
  const older = await transactionsOf('bin-2', hour(2), 50);
  await writeRows(txnTable(), env.resources.bigtable.txn, older);
  await setWatermark(stateTable(), env.resources.bigtable.state, hour(3));
  await run(first!, 'b-2');
  const oldMessages = await subscriber.settle(older.length);
  assert.equal(
    new Set(oldMessages.map(m => m.revisionId)),
    new Set([before[0]!.revisionId]),
  );
  await first!.stop();

  // A new instance reads the new revision.
  subscriber.clear();
  const newer = await transactionsOf('bin-3', hour(3), 50);
  await writeRows(txnTable(), env.resources.bigtable.txn, newer);
  await setWatermark(stateTable(), env.resources.bigtable.state, hour(4));
  const second = await serveFunction('bigtableToAvro', env.vars);
  try {
    await run(second, 'b-3');
    const newMessages = await subscriber.settle(newer.length);
    assert.equal(
      new Set(newMessages.map(m => m.revisionId)),
      new Set([newest.revisionId]),
    );
    const table = await tableTransactions(
      txnTable(),
      env.resources.bigtable.txn,
    );
    for (const message of newMessages) {
      assert.is(
        message.record.channel,
        null,
        'the new field takes its default',
      );
      assert.equal(
        asTransaction(message.record),
        table.get(message.transactionId),
      );
    }
    // A consumer on the new schema reads the old revision's bytes too (Avro schema resolution).
    const oldType = avroType(before[0]!.definition!);
    const newType = avroType(evolved());
    const resolver = newType.createResolver(oldType);
    const [sample] = older;
    const resolved = newType.fromBuffer(
      oldType.toBuffer({...sample!}),
      resolver,
    ) as Record<string, unknown>;
    assert.is(resolved.channel, null);
    assert.equal(asTransaction(resolved), sample);
  } finally {
    await second.stop();
  }
});

test.run();
