import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {PubSub} from '@google-cloud/pubsub';
import {freePorts} from '../../../local/free-ports';
import {batchedPublisher} from '../../../core/pubsub/message-publisher';
import {
  PubSubPublishError,
  pubsubRestTarget,
  restTopicPublisher,
} from '../../../core/pubsub/rest-publisher';

// Against the Pub/Sub emulator the test runner starts (PUBSUB_EMULATOR_HOST).
const PROJECT = 'rest-publisher-test';
const pubsub = new PubSub({projectId: PROJECT});
const target = pubsubRestTarget();

async function topicWithSubscription(name: string) {
  const [topic] = await pubsub.createTopic(name);
  const [subscription] = await topic.createSubscription(`${name}-sub`);
  return subscription;
}

async function pullAll(
  subscription: Awaited<ReturnType<typeof topicWithSubscription>>,
  count: number,
) {
  const received = new Map<
    string,
    {data: string; attributes: Record<string, string>}
  >();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`only ${received.size} of ${count} messages arrived`)),
      20_000,
    );
    subscription.on('message', m => {
      m.ack();
      received.set(m.id, {
        data: m.data.toString('utf8'),
        attributes: m.attributes,
      });
      if (received.size === count) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await subscription.close();
  return received;
}

test.after(() => pubsub.close());

test('a message published over REST arrives with its data and attributes, under the id the publish returned', async () => {
  const subscription = await topicWithSubscription('rest-one');
  const id = await restTopicPublisher(
    target,
    PROJECT,
    'rest-one',
    10_000,
  )({
    data: Buffer.from('{"batchId":"b-1"}'),
    attributes: {batchId: 'b-1', rowCount: '3'},
  });
  const received = await pullAll(subscription, 1);
  assert.equal(received.get(id), {
    data: '{"batchId":"b-1"}',
    attributes: {batchId: 'b-1', rowCount: '3'},
  });
});

test('batched: every message is published once, in requests of at most maxMessages, each resolving with its own id', async () => {
  const subscription = await topicWithSubscription('rest-batched');
  const publisher = batchedPublisher(target, PROJECT, 'rest-batched', {
    timeoutMs: 10_000,
    maxMessages: 3,
    maxMilliseconds: 5,
  });
  const ids = await Promise.all(
    Array.from({length: 7}, (_, i) =>
      publisher.publish(Buffer.from(`m${i}`), {i: String(i)}),
    ),
  );
  assert.is(new Set(ids).size, 7);
  const received = await pullAll(subscription, 7);
  ids.forEach((id, i) =>
    assert.equal(received.get(id), {data: `m${i}`, attributes: {i: String(i)}}),
  );
});

test('a missing topic fails at once (404 is not retried), and every message of the refused batch rejects', async () => {
  const started = Date.now();
  const error = await restTopicPublisher(
    target,
    PROJECT,
    'no-such-topic',
    20_000,
  )({data: Buffer.from('x'), attributes: {}}).catch((e: unknown) => e);
  assert.instance(error, PubSubPublishError);
  assert.is((error as PubSubPublishError).status, 404);
  assert.ok(Date.now() - started < 5_000, 'not retried until the timeout');
  const publisher = batchedPublisher(target, PROJECT, 'no-such-topic', {
    timeoutMs: 20_000,
  });
  const outcomes = await Promise.allSettled([
    publisher.publish(Buffer.from('a'), {}),
    publisher.publish(Buffer.from('b'), {}),
  ]);
  assert.equal(
    outcomes.map(o => o.status),
    ['rejected', 'rejected'],
  );
});

test('an unreachable endpoint is retried with backoff and given up within the timeout', async () => {
  const [closed] = await freePorts(1);
  const started = Date.now();
  const error = await restTopicPublisher(
    pubsubRestTarget({PUBSUB_EMULATOR_HOST: `127.0.0.1:${closed}`}),
    PROJECT,
    'rest-one',
    1_500,
  )({data: Buffer.from('x'), attributes: {}}).catch((e: unknown) => e);
  const elapsed = Date.now() - started;
  assert.instance(error, PubSubPublishError);
  assert.match(
    (error as Error).message,
    /gave up after [2-9] attempts within 1500 ms/,
  );
  assert.ok(elapsed >= 400 && elapsed < 5_000, `gave up after ${elapsed} ms`);
});

test.run();
