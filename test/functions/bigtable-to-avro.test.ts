import {test} from 'uvu';
import * as assert from 'uvu/assert';
import type {Message} from '@google-cloud/pubsub';
import {readReplicatedSpans} from '../../core/bigtable/replicated-spans';
import {addDays, dayOf, startOfDay} from '../../core/day';
import {readPublicationCursor} from '../../core/publication/publication-cursor';
import {readQuarantine} from '../../core/publication/quarantine';
import {AvroRecordError} from '../../core/pubsub/avro-codec';
import {decodeReplicatedSignal} from '../../core/pubsub/replicated-signal';
import {pubsubRestTarget} from '../../core/pubsub/rest-publisher';
import {readTopicSchema} from '../../core/pubsub/topic-schema';
import {encodeRowKey} from '../../core/bigtable/row-key';
import type {Transaction} from '../../core/transaction';
import {type SuiteEnv, suiteEnv} from '../support/suite-env';
import {printingErrors} from '../support/hooks';
import {
  asTransaction,
  avroSubscriber,
  marks,
  replicatedEnvelope,
  setWatermark,
  tableTransactions,
  transactionsOf,
  writeRows,
} from './avro-fixtures';
import {
  deliver,
  logLines,
  pushEnvelope,
  seedBatches,
  waitFor,
} from './fixtures';
import {type ServedFunction, serveFunction} from './served-function';

let env: SuiteEnv;
let publisher: ServedFunction;
let subscriber: Awaited<ReturnType<typeof avroSubscriber>>;

/** Hour n of the suite's timeline: hours 0-1 at the end of one day, 2 on the next, all in the past. */
const base = new Date(
  startOfDay(addDays(dayOf(new Date()), -3)).getTime() - 2 * 3_600_000,
);
const hour = (n: number) => new Date(base.getTime() + n * 3_600_000);

test.before(
  printingErrors(async () => {
    env = await suiteEnv('fn-avro');
    subscriber = await avroSubscriber(
      env.pubsub,
      env.resources.pubsub.avroTopic,
      'avro-check',
    );
    publisher = await serveFunction('bigtableToAvro', {
      ...env.vars,
      PUBLISH_LEASE_POLL_MS: '100',
    });
  }),
);

test.after(async () => {
  await subscriber?.close();
  await publisher?.stop();
  await env?.close();
});

const instance = () => env.bigtable.instance(env.resources.bigtable.instance);
const txnTable = () => instance().table(env.resources.bigtable.txn.id);
const stateTable = () => instance().table(env.resources.bigtable.state.id);
const txnSchema = () => env.resources.bigtable.txn;
const stateSchema = () => env.resources.bigtable.state;
const signal = (messageId: string) =>
  deliver(
    publisher.url,
    env.resources.project,
    env.resources.pubsub.replicatedTopic,
    replicatedEnvelope(messageId),
  );

/** The last 'publication complete' log line of the served function. */
function lastReport(): Record<string, unknown> {
  const reports = logLines(publisher.log()).filter(
    line => line.message === 'publication complete',
  );
  assert.ok(
    reports.length > 0,
    `no publication report in the log:\n${publisher.log().slice(-2000)}`,
  );
  return reports[reports.length - 1]!;
}

async function deliverOk(messageId: string) {
  const answer = await signal(messageId);
  assert.ok(
    answer.ok,
    `status ${answer.status}: ${publisher.log().slice(-2000)}`,
  );
}

const idsOf = (txns: readonly Transaction[]) => txns.map(t => t.id).sort();

test('JSON topic: a subscriber decodes exactly the rows of txn_tbl before the watermark; each row marked with its message id', async () => {
  const before = [
    ...(await transactionsOf('json-0', hour(0), 200)),
    ...(await transactionsOf('json-1', hour(1), 200)),
    ...(await transactionsOf('json-2', hour(2), 200)),
  ];
  const after = await transactionsOf('json-4', hour(4), 100);
  await writeRows(txnTable(), txnSchema(), [...before, ...after]);
  await setWatermark(stateTable(), stateSchema(), hour(3));
  assert.ok(dayOf(hour(1)) !== dayOf(hour(2)), 'the span crosses a day');

  await deliverOk('r-1');
  const received = await subscriber.settle(before.length);
  assert.equal(
    received.map(m => m.transactionId).sort(),
    idsOf(before),
    'exactly the rows before the watermark, once each',
  );
  const table = await tableTransactions(txnTable(), txnSchema());
  for (const message of received) {
    assert.is(message.encoding, 'JSON');
    assert.equal(
      asTransaction(message.record),
      table.get(message.transactionId),
      `record ${message.transactionId} equals its row`,
    );
    assert.is(typeof message.record.amountMinor, 'bigint');
  }
  const marked = await marks(txnTable(), txnSchema());
  const messageIds = new Map(received.map(m => [m.transactionId, m.messageId]));
  let markedRows = 0;
  for (const [key, values] of marked) {
    const id = key.split('#')[3]!;
    if (values.length === 0) continue;
    markedRows++;
    assert.is(values.length, 1, `${key} marked once`);
    const mark = JSON.parse(values[0]!) as {at: string; messageId: string};
    assert.is(
      mark.messageId,
      messageIds.get(id),
      `${key} holds its message id`,
    );
    assert.ok(!Number.isNaN(new Date(mark.at).getTime()));
  }
  assert.is(
    markedRows,
    before.length,
    'rows after the watermark are not marked',
  );
  assert.is(
    lastReport().rowsRead,
    before.length,
    'nothing after the watermark was read',
  );
  assert.equal(
    await readPublicationCursor(stateTable(), stateSchema()),
    hour(3),
  );
});

test('the next run reads only from the cursor to the new watermark', async () => {
  subscriber.clear();
  await setWatermark(stateTable(), stateSchema(), hour(5));
  await deliverOk('r-2');
  const received = await subscriber.settle(100);
  assert.is(received.length, 100);
  assert.is(
    lastReport().rowsRead,
    100,
    'the 600 rows before the cursor were not read again',
  );
  assert.is(lastReport().published, 100);
});

test('repeated runs and duplicated signals: every row published and marked once', async () => {
  subscriber.clear();
  const rows = await transactionsOf('repeat', hour(5), 300);
  await writeRows(txnTable(), txnSchema(), rows);
  await setWatermark(stateTable(), stateSchema(), hour(6));
  const answers = await Promise.all(
    ['dup', 'dup', 'dup'].map(id => signal(id)),
  );
  for (const answer of answers) assert.ok(answer.ok, `status ${answer.status}`);
  await deliverOk('dup');
  await deliverOk('again');
  const received = await subscriber.settle(rows.length, 3000);
  assert.equal(
    received.map(m => m.transactionId).sort(),
    idsOf(rows),
    'each row once',
  );
  const marked = await marks(txnTable(), txnSchema());
  for (const txn of rows) {
    const key = [...marked.keys()].find(k => k.endsWith(`#${txn.id}`))!;
    assert.is(marked.get(key)?.length, 1, `${txn.id} marked once`);
  }
});

test('a malformed row is quarantined (ERROR log, quarantine record) while the others go out', async () => {
  subscriber.clear();
  const rows = await transactionsOf('quarantine', hour(6), 50);
  const [bad1, bad2, ...good] = rows;
  await writeRows(txnTable(), txnSchema(), rows);
  const family = txnSchema().families.transaction;
  const badKeys: string[] = [];
  for (const [txn, column, value] of [
    [bad1!, 'amount_minor', '12.50'],
    [bad2!, 'currency', 'XYZ'],
  ] as const) {
    const key = encodeRowKey(txn.id, txn.occurredAt);
    badKeys.push(key);
    await txnTable()
      .row(key)
      .save({
        [family]: {
          [column]: {value, timestamp: new Date(txn.occurredAt.getTime() + 1)},
        },
      });
  }
  await setWatermark(stateTable(), stateSchema(), hour(7));
  await deliverOk('q-1');
  const received = await subscriber.settle(good.length);
  assert.equal(received.map(m => m.transactionId).sort(), idsOf(good));
  const quarantined = await readQuarantine(stateTable(), stateSchema());
  assert.equal(quarantined.map(q => q.rowKey).sort(), [...badKeys].sort());
  assert.match(
    quarantined.find(q => q.rowKey === badKeys[0])!.reason,
    /amount_minor "12.50"/,
  );
  assert.match(
    quarantined.find(q => q.rowKey === badKeys[1])!.reason,
    /currency "XYZ"/,
  );
  const errors = logLines(publisher.log()).filter(
    line =>
      line.severity === 'ERROR' &&
      line.message === 'row quarantined: it cannot be published',
  );
  assert.equal(errors.map(line => line.rowKey).sort(), [...badKeys].sort());
  const marked = await marks(txnTable(), txnSchema());
  for (const key of badKeys)
    assert.is(marked.get(key)?.length ?? 0, 0, `${key} not marked`);
  assert.is(lastReport().quarantined, 2);
  assert.equal(
    await readPublicationCursor(stateTable(), stateSchema()),
    hour(7),
    'the run still completes',
  );
});

test('an invalid record is refused before publishing, and the topic refuses it sent raw', async () => {
  subscriber.clear();
  const topicSchema = await readTopicSchema(
    pubsubRestTarget(),
    env.resources.project,
    env.resources.pubsub.avroTopic,
  );
  const [txn] = await transactionsOf('invalid', hour(6), 1);
  const good = topicSchema.codec.complete({...txn!});
  assert.ok(topicSchema.codec.encode(good).length > 0);
  for (const bad of [
    {...good, type: 'bogus'},
    {...good, amountMinor: 2n ** 63n},
    {...good, amountMinor: 12.5},
    {...good, currency: undefined},
  ]) {
    assert.throws(
      () => topicSchema.codec.encode(bad),
      (error: unknown) => error instanceof AvroRecordError,
    );
  }
  const raw = Buffer.from(
    JSON.stringify({
      ...JSON.parse(topicSchema.codec.encode(good).toString()),
      type: 'bogus',
    }),
  );
  const refused = await env.pubsub
    .topic(env.resources.pubsub.avroTopic, {batching: {maxMessages: 1}})
    .publishMessage({data: raw})
    .then(
      () => undefined,
      (error: {code?: number}) => error,
    );
  assert.is(refused?.code, 3, 'INVALID_ARGUMENT from the topic');
  await new Promise(resolve => setTimeout(resolve, 1000));
  assert.is(subscriber.received.length, 0, 'nothing reached the subscriber');
});

test('pubsubReplicate announces the span it wrote; a backfilled hour older than the cursor is then published', async () => {
  subscriber.clear();
  const [replicatedSub] = await env.pubsub
    .topic(env.resources.pubsub.replicatedTopic)
    .createSubscription('replicated-check');
  const announcements: Message[] = [];
  replicatedSub.on('message', (m: Message) => {
    m.ack();
    announcements.push(m);
  });
  const replicate = await serveFunction('pubsubReplicate', env.vars);
  try {
    const cursor = await readPublicationCursor(stateTable(), stateSchema());
    const hoursAgo = Math.round((Date.now() - hour(1).getTime()) / 3_600_000);
    await seedBatches(env.pool, 'backfill', 1, 200, hoursAgo);
    const [seeded] = await env.pool.query(
      'SELECT id, occurred_at FROM transactions ORDER BY occurred_at',
    );
    const seededRows = seeded as Array<{id: string; occurred_at: Date}>;
    assert.ok(
      seededRows[0]!.occurred_at < cursor!,
      'the backfilled hour is older than the cursor',
    );
    const generated = pushEnvelope(
      {
        batchId: 'key-backfill',
        rowCount: 200,
        slotStart: hour(1),
        firstOccurredAt: null,
        lastOccurredAt: null,
      },
      's',
      'g-1',
    );
    const answer = await deliver(
      replicate.url,
      env.resources.project,
      env.resources.pubsub.generatedTopic,
      generated,
    );
    assert.ok(answer.ok, `replicate status ${answer.status}`);

    await waitFor(
      'the replicated signal',
      async () => announcements.length > 0,
      30_000,
    );
    await new Promise(resolve => setTimeout(resolve, 1000));
    assert.is(announcements.length, 1, 'one replicated signal');
    const message = announcements[0]!;
    const announced = decodeReplicatedSignal(message.data);
    assert.ok(announced, 'the signal decodes');
    assert.is(announced.rows, 200);
    assert.equal(announced.firstOccurredAt, seededRows[0]!.occurred_at);
    assert.equal(
      announced.lastOccurredAt,
      seededRows[seededRows.length - 1]!.occurred_at,
    );
    assert.is(
      (await readReplicatedSpans(stateTable(), stateSchema())).length,
      1,
      'the span is recorded in pipeline_state',
    );

    const pushed = {
      message: {
        data: message.data.toString('base64'),
        attributes: message.attributes,
        messageId: message.id,
      },
      subscription: 's',
    };
    const run = await deliver(
      publisher.url,
      env.resources.project,
      env.resources.pubsub.replicatedTopic,
      pushed,
    );
    assert.ok(run.ok, `status ${run.status}`);
    const received = await subscriber.settle(200);
    assert.equal(
      received.map(m => m.transactionId).sort(),
      seededRows.map(r => r.id).sort(),
      'the backfilled rows, and only them',
    );
    assert.is(
      (await readReplicatedSpans(stateTable(), stateSchema())).length,
      0,
      'the span was consumed',
    );
  } finally {
    await replicate.stop();
    await replicatedSub.close();
    await replicatedSub.delete();
  }
});

test.run();
