import {randomBytes} from 'node:crypto';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {freePorts} from '../../local/free-ports';
import {createLogger} from '../../core/log';
import {BigtableWriteError} from '../../core/replication/bigtable-writer';
import {replicateUnsent} from '../../core/replication/replicate';
import {DEFAULT_WATERMARK_RULE} from '../../core/replication/watermark-rule';
import {type SuiteEnv, suiteEnv} from '../support/suite-env';
import {createBigtableClient} from '../../core/bigtable/client';
import {
  cellVersionRange,
  countRows,
  deliver,
  dumpTable,
  logLines,
  pastHour,
  pushEnvelope,
  seedBatches,
} from './fixtures';
import {type ServedFunction, serveFunction} from './served-function';
import {printingErrors} from '../support/hooks';

let env: SuiteEnv;
let replicate: ServedFunction;

test.before(
  printingErrors(async () => {
    env = await suiteEnv('fn-replicate');
    replicate = await serveFunction('pubsubReplicate', env.vars);
  }),
);

test.after(async () => {
  await replicate?.stop();
  await env?.close();
});

const signal = () => ({
  batchId: 'key-any',
  rowCount: 1,
  slotStart: pastHour(4),
  firstOccurredAt: null,
  lastOccurredAt: null,
});
const send = (url: string, envelope: unknown) =>
  deliver(
    url,
    env.resources.project,
    env.resources.pubsub.generatedTopic,
    envelope,
  );
const txnTable = () =>
  env.bigtable
    .instance(env.resources.bigtable.instance)
    .table(env.resources.bigtable.txn.id);

test('the same event delivered three times leaves Bigtable identical to a single delivery', async () => {
  const total = await seedBatches(env.pool, 'triple', 3, 1500);
  const envelope = pushEnvelope(
    signal(),
    'projects/x/subscriptions/pubsub-replicate',
    'm-1',
  );
  const answers = await Promise.all(
    [1, 2, 3].map(() => send(replicate.url, envelope)),
  );
  for (const answer of answers) assert.ok(answer.ok, `status ${answer.status}`);
  assert.is(await countRows(env.pool, 'sent_to_big_table = TRUE'), total);
  const afterThree = await dumpTable(txnTable());

  // The reference: an empty table, every flag reset, one delivery.
  await txnTable().truncate();
  await env.pool.query('UPDATE transactions SET sent_to_big_table = FALSE');
  const once = await send(replicate.url, envelope);
  assert.ok(once.ok);
  const afterOne = await dumpTable(txnTable());
  assert.is(JSON.parse(afterOne).length, total);
  assert.is(afterThree, afterOne);
  assert.equal(await cellVersionRange(txnTable()), [1, 1]);
});

test('a malformed event is acknowledged (2xx) and does nothing', async () => {
  await seedBatches(env.pool, 'malformed', 1, 100);
  const unsent = await countRows(env.pool, 'sent_to_big_table = FALSE');
  assert.is(unsent, 100);
  const bad = [
    pushEnvelope({raw: 'not json at all'}, 's'),
    pushEnvelope({raw: '{"rowCount":"3"}'}, 's'),
    pushEnvelope({raw: '[]'}, 's'),
    {message: {attributes: {}, messageId: '9'}, subscription: 's'},
  ];
  for (const envelope of bad) {
    const answer = await send(replicate.url, envelope);
    assert.ok(answer.ok, `status ${answer.status}`);
  }
  assert.is(await countRows(env.pool, 'sent_to_big_table = FALSE'), unsent);
  assert.ok(replicate.log().includes('malformed event acknowledged'));
});

test('Bigtable unavailable: the served function fails (redelivery) and no flag is flipped', async () => {
  const unsent = await countRows(env.pool, 'sent_to_big_table = FALSE');
  assert.ok(unsent > 0);
  const [closedPort] = await freePorts(1);
  const broken = await serveFunction('pubsubReplicate', {
    ...env.vars,
    BIGTABLE_EMULATOR_HOST: `127.0.0.1:${closedPort}`,
    BIGTABLE_WRITE_TIMEOUT_MS: '2000',
  });
  try {
    const answer = await send(broken.url, pushEnvelope(signal(), 's'));
    assert.ok(answer.status >= 500, `status ${answer.status}`);
  } finally {
    await broken.stop();
  }
  assert.is(await countRows(env.pool, 'sent_to_big_table = FALSE'), unsent);
});

test('Bigtable unavailable, in process: a retryable BigtableWriteError, and no flag is flipped', async () => {
  const unsent = await countRows(env.pool, 'sent_to_big_table = FALSE');
  const [closedPort] = await freePorts(1);
  const saved = process.env.BIGTABLE_EMULATOR_HOST;
  process.env.BIGTABLE_EMULATOR_HOST = `127.0.0.1:${closedPort}`;
  const unreachable = createBigtableClient({projectId: env.resources.project});
  process.env.BIGTABLE_EMULATOR_HOST = saved;
  const instance = unreachable.instance(env.resources.bigtable.instance);
  try {
    await replicateUnsent(
      {
        sql: env.sql,
        txnTable: instance.table(env.resources.bigtable.txn.id),
        txnSchema: env.resources.bigtable.txn,
        stateTable: instance.table(env.resources.bigtable.state.id),
        stateSchema: env.resources.bigtable.state,
        log: createLogger('test', undefined, 'silent'),
      },
      {
        batchSize: 50,
        workers: 2,
        budgetMs: 30_000,
        writeTimeoutMs: 1500,
        watermark: DEFAULT_WATERMARK_RULE,
      },
    );
    assert.unreachable('replication should have failed');
  } catch (error) {
    assert.instance(error, BigtableWriteError, String(error));
    assert.is((error as BigtableWriteError).retryable, true);
  } finally {
    await unreachable.close();
  }
  assert.is(await countRows(env.pool, 'sent_to_big_table = FALSE'), unsent);
});

test('after the outage the next delivery completes the work', async () => {
  const answer = await send(replicate.url, pushEnvelope(signal(), 's'));
  assert.ok(answer.ok);
  assert.is(await countRows(env.pool, 'sent_to_big_table = FALSE'), 0);
  assert.is(
    JSON.parse(await dumpTable(txnTable())).length,
    await countRows(env.pool),
  );
});

test("an event's log lines carry the trace of its push request (the traceparent header Eventarc sends)", async () => {
  await seedBatches(env.pool, 'traced', 1, 50);
  const trace = randomBytes(16).toString('hex');
  const envelope = pushEnvelope(
    signal(),
    'projects/x/subscriptions/pubsub-replicate',
    'm-traced',
  );
  const answer = await deliver(
    replicate.url,
    env.resources.project,
    env.resources.pubsub.generatedTopic,
    envelope,
    {traceparent: `00-${trace}-53995c3f42cd8ad8-01`},
  );
  assert.ok(answer.ok, `status ${answer.status}`);
  const traced = logLines(replicate.log()).filter(
    line =>
      line['logging.googleapis.com/trace'] ===
      `projects/${env.resources.project}/traces/${trace}`,
  );
  const messages = traced.map(line => line.message);
  assert.ok(
    messages.includes('signal received') &&
      messages.includes('replication complete'),
    `traced lines: ${JSON.stringify(messages)}\n${replicate.log().slice(-2000)}`,
  );
  for (const line of traced) {
    assert.is(line['logging.googleapis.com/spanId'], '53995c3f42cd8ad8');
    assert.is(line['logging.googleapis.com/trace_sampled'], true);
  }
});

test.run();
