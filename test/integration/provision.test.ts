import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {provisionAll} from '../../core/provision/provision';
import {reviseSchema} from '../../core/provision/pubsub';
import {
  readChangelogEntryAvsc,
  readTransactionAvsc,
} from '../../core/avro/schemas';
import {encodeChange} from '../../core/changelog/change-record';
import type {RowDataPacket} from 'mysql2/promise';
import {platformClients, suiteEnv} from '../support/suite-env';
import {provisionedState} from '../support/provisioned-state';
import {suiteResources} from '../support/suite-resources';

const resources = suiteResources('provision');
const {bigtable, pubsub, storage, adminPool} = platformClients(
  resources.project,
);
const sqlPool = adminPool();
const clients = {bigtable, pubsub, storage, sqlPool};
const options = {
  pubsub: {
    pushEndpoint: 'http://127.0.0.1:9/projects/p/topics/t',
    avroEncoding: 'JSON' as const,
  },
};

test.after(async () => {
  await Promise.allSettled([sqlPool.end(), bigtable.close(), pubsub.close()]);
});

let first: Awaited<ReturnType<typeof provisionedState>>;

test('provisioning creates every resource', async () => {
  await provisionAll(clients, resources, options);
  first = await provisionedState(clients, resources);

  assert.equal(
    first.bigtable.map(t => t.table),
    [
      resources.bigtable.txn.id,
      resources.bigtable.state.id,
      resources.bigtable.summaries.id,
    ].sort(),
  );
  const txn = first.bigtable.find(t => t.table === resources.bigtable.txn.id);
  assert.equal(
    txn?.families.map(f => f.id),
    Object.values(resources.bigtable.txn.families).sort(),
  );

  const topic = (name: string) =>
    `projects/${resources.project}/topics/${name}`;
  assert.equal(
    first.pubsub.topics.map(t => t.name),
    [
      resources.pubsub.avroTopic,
      resources.pubsub.generatedTopic,
      resources.pubsub.generatedDeadLetterTopic,
      resources.pubsub.changes.topic,
      resources.pubsub.replicatedTopic,
      resources.pubsub.replicatedDeadLetterTopic,
    ]
      .map(topic)
      .sort(),
  );
  for (const deadLetter of [
    resources.pubsub.generatedDeadLetterTopic,
    resources.pubsub.replicatedDeadLetterTopic,
  ]) {
    const keeper = first.pubsub.subscriptions.find(s =>
      s.name.endsWith(`/${deadLetter}`),
    );
    assert.equal(
      keeper?.topic,
      topic(deadLetter),
      `${deadLetter} keeps what lands there in a subscription of its name`,
    );
  }
  const avro = first.pubsub.topics.find(
    t => t.name === topic(resources.pubsub.avroTopic),
  );
  assert.equal(
    avro?.schemaSettings?.schema,
    `projects/${resources.project}/schemas/${resources.pubsub.avroSchema}`,
  );
  assert.equal(avro?.schemaSettings?.encoding, 'JSON');
  const replicate = first.pubsub.subscriptions.find(s =>
    s.name.endsWith(`/${resources.pubsub.replicateSubscription}`),
  );
  assert.equal(replicate?.topic, topic(resources.pubsub.generatedTopic));
  assert.equal(replicate?.pushEndpoint, options.pubsub.pushEndpoint);
  assert.equal(
    replicate?.deadLetterPolicy?.deadLetterTopic,
    topic(resources.pubsub.generatedDeadLetterTopic),
  );
  assert.equal(
    replicate?.deadLetterPolicy?.maxDeliveryAttempts,
    resources.pubsub.maxDeliveryAttempts,
  );
  const schema = (id: string) =>
    first.pubsub.schemas.find(
      s => s.name === `projects/${resources.project}/schemas/${id}`,
    );
  assert.equal(first.pubsub.schemas.length, 2);
  assert.equal(
    JSON.parse(schema(resources.pubsub.avroSchema)?.definition ?? ''),
    JSON.parse(readTransactionAvsc()),
  );
  assert.equal(
    JSON.parse(schema(resources.pubsub.changes.schema)?.definition ?? ''),
    JSON.parse(readChangelogEntryAvsc()),
  );
  const changes = first.pubsub.topics.find(
    t => t.name === topic(resources.pubsub.changes.topic),
  );
  assert.equal(
    changes?.schemaSettings?.schema,
    `projects/${resources.project}/schemas/${resources.pubsub.changes.schema}`,
  );
  assert.equal(changes?.schemaSettings?.encoding, 'BINARY');
  const archiver = first.pubsub.subscriptions.find(s =>
    s.name.endsWith(`/${resources.pubsub.changes.archiverSubscription}`),
  );
  assert.equal(
    [archiver?.topic, archiver?.pushEndpoint, archiver?.ackDeadlineSeconds],
    [topic(resources.pubsub.changes.topic), '', 60],
  );

  assert.ok(first.storage.exists);
  const tables = new Set(first.sql.columns.map(c => c.TABLE_NAME));
  assert.ok(tables.has('transactions'), 'transactions table');
  assert.ok(first.sql.migrations.length > 0, 'migrations recorded');
});

test('provisioning again leaves the same state', async () => {
  await provisionAll(clients, resources, options);
  assert.equal(await provisionedState(clients, resources), first);
});

test('provisioning twice at once does not fail', async () => {
  await Promise.all([
    provisionAll(clients, resources, options),
    provisionAll(clients, resources, options),
  ]);
  assert.equal(await provisionedState(clients, resources), first);
});

test('a missing column family is added back', async () => {
  const table = bigtable
    .instance(resources.bigtable.instance)
    .table(resources.bigtable.txn.id);
  await table.family(resources.bigtable.txn.families.delivery).delete();
  const [families] = await table.getFamilies();
  assert.equal(
    families.map(f => f.id),
    [resources.bigtable.txn.families.transaction],
  );
  await provisionAll(clients, resources, options);
  assert.equal(await provisionedState(clients, resources), first);
});

test('a drifted subscription is set back to its policies', async () => {
  const subscription = pubsub.subscription(
    resources.pubsub.replicateSubscription,
  );
  await subscription.setMetadata({
    deadLetterPolicy: {
      deadLetterTopic: pubsub.topic(resources.pubsub.generatedDeadLetterTopic)
        .name,
      maxDeliveryAttempts: 5,
    },
  });
  await subscription.modifyPushConfig({});
  await provisionAll(clients, resources, options);
  assert.equal(await provisionedState(clients, resources), first);
});

test("a deploy's schema revision (scripts/provision.ts --avro-schema): the same .avsc commits nothing, a changed one one revision, an absent schema is an error", async () => {
  const client = await pubsub.getSchemaClient();
  const name = `projects/${resources.project}/schemas/${resources.pubsub.avroSchema}`;
  const revisions = async () =>
    (await client.listSchemaRevisions({name, view: 'FULL'}))[0];
  const before = await revisions();
  assert.is(
    await reviseSchema(
      pubsub,
      resources.pubsub.avroSchema,
      readTransactionAvsc(),
      {create: false},
    ),
    name,
  );
  assert.is(
    (await revisions()).length,
    before.length,
    'the same definition, reformatted or not, commits nothing',
  );
  await reviseSchema(
    pubsub,
    resources.pubsub.avroSchema,
    JSON.stringify(JSON.parse(readTransactionAvsc())),
    {create: false},
  );
  assert.is((await revisions()).length, before.length);
  const schema = JSON.parse(readTransactionAvsc()) as {fields: unknown[]};
  schema.fields.push({name: 'note', type: ['null', 'string'], default: null});
  await reviseSchema(
    pubsub,
    resources.pubsub.avroSchema,
    JSON.stringify(schema),
    {create: false},
  );
  await reviseSchema(
    pubsub,
    resources.pubsub.avroSchema,
    JSON.stringify(schema),
    {create: false},
  );
  assert.is(
    (await revisions()).length,
    before.length + 1,
    'one new revision, committed once',
  );
  try {
    await reviseSchema(pubsub, 'no-such-schema', readTransactionAvsc(), {
      create: false,
    });
    assert.unreachable('a missing schema was made without create');
  } catch (error) {
    assert.is((error as {code?: number}).code, 5, 'NOT_FOUND');
  }
  // Back to the .avsc for the tests after this one.
  await reviseSchema(
    pubsub,
    resources.pubsub.avroSchema,
    readTransactionAvsc(),
    {create: false},
  );
});

test('the AVRO topic accepts a transaction record and refuses anything else', async () => {
  const topic = pubsub.topic(resources.pubsub.avroTopic);
  const record = {
    id: 'txn-1',
    batchId: 'b-1',
    occurredAt: Date.UTC(2026, 0, 2),
    accountId: 'acc-1',
    merchant: 'Shop',
    merchantCategory: 'grocery',
    type: 'purchase',
    amountMinor: 1234,
    currency: 'EUR',
  };
  const id = await topic.publishMessage({
    data: Buffer.from(JSON.stringify(record)),
  });
  assert.ok(id);
  try {
    await topic.publishMessage({
      data: Buffer.from(JSON.stringify({...record, type: 'gift'})),
    });
    assert.unreachable('an invalid record was accepted');
  } catch (error) {
    assert.is((error as {code?: number}).code, 3, 'INVALID_ARGUMENT');
  }
});

test("the change topic takes the template's BINARY ChangelogEntryMessage and refuses anything else", async () => {
  const topic = pubsub.topic(resources.pubsub.changes.topic);
  const change = {
    rowKey: Buffer.from('00#2026-01-02#00:00:00.000#t1'),
    modType: 'SET_CELL',
    isGC: false,
    tieBreaker: 0,
    columnFamily: 'txn',
    commitTimestamp: Date.UTC(2026, 0, 2) * 1000,
    sourceInstance: 'fin-bt',
    sourceCluster: 'c1',
    sourceTable: 'txn_tbl',
    column: Buffer.from('currency'),
    timestamp: Date.UTC(2026, 0, 2) * 1000,
    timestampFrom: null,
    timestampTo: null,
    value: Buffer.from('EUR'),
  } as const;
  assert.ok(await topic.publishMessage({data: encodeChange(change)}));
  try {
    await topic.publishMessage({
      data: Buffer.from(JSON.stringify({...change, rowKey: 'x'})),
    });
    assert.unreachable('a JSON message was accepted on a BINARY topic');
  } catch (error) {
    assert.is((error as {code?: number}).code, 3, 'INVALID_ARGUMENT');
  }
});

test('suiteEnv gives each suite its own provisioned resources and ready clients', async () => {
  const [a, b] = await Promise.all([
    suiteEnv('isolation'),
    suiteEnv('isolation'),
  ]);
  try {
    assert.is.not(a.resources.project, b.resources.project);
    assert.is.not(a.resources.sql.database, b.resources.sql.database);
    assert.is.not(a.resources.bigtable.instance, b.resources.bigtable.instance);
    assert.is.not(a.resources.storage.bucket, b.resources.storage.bucket);
    const [rows] = await a.pool.query<RowDataPacket[]>(
      'SELECT DATABASE() AS db, COUNT(*) AS n FROM transactions',
    );
    assert.equal(
      [rows[0]?.db, Number(rows[0]?.n)],
      [a.resources.sql.database, 0],
    );
    const [exists] = await a.bigtable
      .instance(a.resources.bigtable.instance)
      .table(a.resources.bigtable.txn.id)
      .exists();
    assert.ok(exists);
    const [topics] = await b.pubsub.getTopics();
    assert.ok(
      topics.every(t => t.name.startsWith(`projects/${b.resources.project}/`)),
    );
    const [bucketExists] = await a.storage
      .bucket(a.resources.storage.bucket)
      .exists();
    assert.ok(bucketExists);
    assert.is(a.vars.SQL_DATABASE, a.resources.sql.database);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test.run();
