import {test} from 'uvu';
import * as assert from 'uvu/assert';
import type {RowDataPacket} from 'mysql2/promise';
import {fromRow} from '../../core/bigtable/txn-row';
import {readWatermark} from '../../core/bigtable/pipeline-state';
import {type SuiteEnv, suiteEnv} from '../support/suite-env';
import {countRows, dumpTable, pastHour, waitFor} from './fixtures';
import {type ServedFunction, serveFunction} from './served-function';
import {printingErrors} from '../support/hooks';

let env: SuiteEnv;
let generate: ServedFunction;
let replicate: ServedFunction;

test.before(
  printingErrors(async () => {
    await setUp();
  }),
);

async function setUp() {
  env = await suiteEnv('fn-e2e');
  [generate, replicate] = await Promise.all([
    serveFunction('httpGenerate', env.vars),
    serveFunction('pubsubReplicate', env.vars),
  ]);
  const {project, pubsub} = env.resources;
  // A push subscription to the served function; the topic travels in the URL path (see FACTS.md).
  await env.pubsub.subscription(pubsub.replicateSubscription).modifyPushConfig({
    pushEndpoint: `${replicate.url}/projects/${project}/topics/${pubsub.generatedTopic}`,
  });
}

test.after(async () => {
  await Promise.allSettled([generate?.stop(), replicate?.stop()]);
  await env?.close();
});

/** Asks httpGenerate for `count` rows of `hour`, as Cloud Scheduler would for a backfill. */
async function generateHour(
  hour: Date,
  count: number,
): Promise<{response: Response; body: Record<string, unknown>}> {
  const response = await fetch(`${generate.url}/`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({count, hour: hour.toISOString()}),
  });
  return {response, body: (await response.json()) as Record<string, unknown>};
}

test('HTTP call -> rows in SQL -> Pub/Sub push -> rows in Bigtable, flags set, watermark recorded', async () => {
  const hour = pastHour(3);
  const {response, body} = await generateHour(hour, 750);
  assert.is(response.status, 200, JSON.stringify(body));
  assert.is(body.created, true);
  assert.is(body.rowCount, 750);
  assert.is(body.slotStart, hour.toISOString());
  assert.is(await countRows(env.pool, `batch_id = '${body.batchId}'`), 750);

  await waitFor(
    'every row flagged as sent',
    async () => (await countRows(env.pool, 'sent_to_big_table = TRUE')) === 750,
    60_000,
  );

  const table = env.bigtable
    .instance(env.resources.bigtable.instance)
    .table(env.resources.bigtable.txn.id);
  const [rows] = await table.getRows();
  assert.is(rows.length, 750);
  const [sqlRows] = await env.pool.query<RowDataPacket[]>(
    'SELECT id, amount_minor, currency, occurred_at FROM transactions',
  );
  const byId = new Map(sqlRows.map(r => [r.id as string, r]));
  for (const row of rows) {
    const txn = fromRow(row as never, env.resources.bigtable.txn);
    const stored = byId.get(txn.id);
    assert.ok(stored, `${txn.id} is in SQL`);
    assert.is(txn.amountMinor, BigInt(stored!.amount_minor));
    assert.is(txn.currency, stored!.currency);
    assert.is(
      txn.occurredAt.getTime(),
      (stored!.occurred_at as Date).getTime(),
    );
  }

  const state = env.bigtable
    .instance(env.resources.bigtable.instance)
    .table(env.resources.bigtable.state.id);
  await waitFor(
    'a recorded watermark',
    async () =>
      (await readWatermark(state, env.resources.bigtable.state)) !== undefined,
    10_000,
  );
  const watermark = await readWatermark(state, env.resources.bigtable.state);
  assert.ok(
    watermark! > hour,
    `watermark ${watermark?.toISOString()} is past the replicated hour`,
  );
  assert.ok(watermark! <= new Date(), 'watermark is not in the future');
});

test('a retry of the same slot writes nothing new, re-publishes, and changes nothing in Bigtable', async () => {
  const table = env.bigtable
    .instance(env.resources.bigtable.instance)
    .table(env.resources.bigtable.txn.id);
  const before = await dumpTable(table);
  const hour = pastHour(3);
  const {response, body} = await generateHour(hour, 750);
  assert.is(response.status, 200);
  assert.is(body.created, false);
  assert.type(body.messageId, 'string');
  assert.is(await countRows(env.pool), 750);
  // The re-published signal reaches the replicator, which finds nothing to do.
  await waitFor(
    'the re-sent signal to be handled',
    async () => replicate.log().split('signal received').length >= 3,
    30_000,
  );
  assert.is(await dumpTable(table), before);
});

test.run();
