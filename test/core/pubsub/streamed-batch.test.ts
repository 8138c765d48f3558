/** The StreamingPull batch subscriber against the real Pub/Sub emulator. */
import type {PubSub} from '@google-cloud/pubsub';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {streamedBatchSubscriber} from '../../../core/pubsub/streamed-batch';
import type {
  BatchSubscriber,
  PulledMessage,
} from '../../../core/pubsub/pulled-batch';
import {platformClients} from '../../support/suite-env';

let pubsub: PubSub;
const DEADLINE_S = 10;

test.before(() => {
  pubsub = platformClients('streamed-batch').pubsub;
});

test.after(async () => {
  await pubsub?.close();
});

/** A topic and a pull subscription of its own, holding `count` messages `0..count-1`. */
async function subscriptionWith(name: string, count: number): Promise<string> {
  const [topic] = await pubsub.createTopic(`streamed-${name}-${Date.now()}`);
  const [subscription] = await topic.createSubscription(
    `${topic.name.split('/').pop()}-sub`,
    {ackDeadlineSeconds: DEADLINE_S},
  );
  const publisher = pubsub.topic(topic.name, {
    batching: {maxMessages: 200, maxMilliseconds: 5},
  });
  await Promise.all(
    Array.from({length: count}, (_, i) =>
      publisher.publishMessage({data: Buffer.from(String(i))}),
    ),
  );
  await publisher.flush();
  return subscription.name.split('/').pop()!;
}

/** Pulls until `count` messages are in hand or a pull waits `waitMs` for nothing. */
async function take(
  subscriber: BatchSubscriber,
  count: number,
  waitMs = 3_000,
): Promise<PulledMessage[]> {
  const taken: PulledMessage[] = [];
  while (taken.length < count) {
    const pulled = await subscriber.pull(count - taken.length, waitMs);
    if (pulled.length === 0) break;
    taken.push(...pulled);
  }
  return taken;
}

const bodies = (messages: PulledMessage[]) =>
  messages.map(m => Number(m.data.toString())).sort((a, b) => a - b);

test('several streams deliver every message; an acknowledged one never comes back, an unacknowledged one does', async () => {
  const subscription = await subscriptionWith('ack', 300);
  const first = await streamedBatchSubscriber(pubsub, subscription, {
    streams: 3,
    maxOutstanding: 600,
    ackDeadlineSeconds: DEADLINE_S,
    waitMs: 3_000,
  });
  let all: PulledMessage[];
  try {
    all = await take(first, 300);
    assert.equal(
      bodies(all),
      Array.from({length: 300}, (_, i) => i),
      'each message once',
    );
    await first.ack(
      all.filter(m => Number(m.data.toString()) % 2 === 0).map(m => m.ackId),
    );
  } finally {
    await first.close(); // the odd half was taken, never acknowledged: it is not handed back
  }
  const again = await streamedBatchSubscriber(pubsub, subscription, {
    streams: 2,
    maxOutstanding: 600,
    ackDeadlineSeconds: DEADLINE_S,
    waitMs: 3_000,
  });
  try {
    const redelivered = await take(again, 150, (DEADLINE_S + 15) * 1000);
    assert.equal(
      bodies(redelivered),
      Array.from({length: 150}, (_, i) => 2 * i + 1),
      'after the ack deadline, exactly the unacknowledged ones',
    );
    await again.ack(redelivered.map(m => m.ackId));
    assert.equal(await take(again, 1, 2_000), [], 'nothing else');
  } finally {
    await again.close();
  }
});

test('close hands what is buffered and not yet taken back at once, not after the ack deadline', async () => {
  const subscription = await subscriptionWith('close', 400);
  // The emulator does not apply a stream's flow control (it delivered all 400 with 100 allowed):
  // everything lands in the buffer, and the caller takes only 50 of it.
  const reader = await streamedBatchSubscriber(pubsub, subscription, {
    streams: 2,
    maxOutstanding: 1000,
    ackDeadlineSeconds: 60,
    waitMs: 3_000,
  });
  let taken: PulledMessage[];
  try {
    taken = await take(reader, 50);
    await new Promise(resolve => setTimeout(resolve, 1_000)); // the rest arrives in the buffer
  } finally {
    await reader.close();
  }
  const next = await streamedBatchSubscriber(pubsub, subscription, {
    streams: 2,
    maxOutstanding: 1000,
    ackDeadlineSeconds: 60,
    waitMs: 3_000,
  });
  try {
    // Within 5 s, far inside the 60 s deadline: only the hand-back at close makes them available now.
    const rest = await take(next, 400, 5_000);
    const takenBodies = new Set(bodies(taken));
    assert.equal(
      bodies(rest),
      Array.from({length: 400}, (_, i) => i).filter(i => !takenBodies.has(i)),
      'all but the 50 taken, each once',
    );
    await next.ack(rest.map(m => m.ackId));
  } finally {
    await next.close();
  }
});

test("a subscription that does not exist fails the pull with Pub/Sub's error, not an endless wait", async () => {
  const reader = await streamedBatchSubscriber(pubsub, 'no-such-subscription', {
    streams: 1,
    maxOutstanding: 10,
    ackDeadlineSeconds: 10,
    waitMs: 10_000,
  });
  try {
    await reader.pull(10).then(
      () => assert.unreachable('pulled from a missing subscription'),
      (error: Error) => assert.match(error.message, /NOT_FOUND|not found/i),
    );
  } finally {
    await reader.close();
  }
});

test.run();
