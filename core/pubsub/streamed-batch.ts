import {type PubSub, v1} from '@google-cloud/pubsub';
import {
  type BatchSubscriber,
  type PulledMessage,
  type ReceivedMessage,
  acknowledge,
  pulledMessage,
} from './pulled-batch';

/**
 * A BatchSubscriber over Pub/Sub's StreamingPull: `streams` open streams deliver into one buffer
 * that `pull` takes batches from, so deliveries keep arriving while the caller writes the batch
 * before. Acknowledging stays the caller's decision, batch by batch, through the unary
 * Acknowledge (answered, so "acked" means Pub/Sub took it). Pub/Sub's flow control bounds what is
 * delivered and unacknowledged: `maxOutstanding` messages over all streams. What is still in the
 * buffer at `close` is handed back (deadline 0) for the next reader; a crash leaves it to the ack
 * deadline, like everything unacknowledged.
 *
 * On the Pub/Sub emulator a Pull hands out at most ~100 messages per call whatever is asked, so
 * unary pulls move ~2-3k messages/s however many run at once; 8 streams moved ~13k/s on the same
 * machine (bench/README.md, changelog-archive).
 */
export interface StreamedBatchOptions {
  streams: number;
  /** Messages delivered and not yet acknowledged, over all streams (Pub/Sub's flow control). */
  maxOutstanding: number;
  /** The subscription's ack deadline, which each stream asks for: messages of a dead reader come back after it. */
  ackDeadlineSeconds: number;
  /** How long `pull` waits for a first message when none is buffered and no wait is given. */
  waitMs: number;
}

/** gRPC codes after which a stream is opened again (the service ends streams now and then). */
const REOPEN_CODES = new Set([1, 4, 8, 10, 13, 14]);
const REOPEN_DELAY_MS = 100;

interface Waiter {
  wake: () => void;
}

export async function streamedBatchSubscriber(
  pubsub: PubSub,
  subscriptionName: string,
  options: StreamedBatchOptions,
): Promise<BatchSubscriber> {
  const client = new v1.SubscriberClient({...(await pubsub.getClientConfig())});
  const subscription = pubsub.subscription(subscriptionName).name;
  const buffer: PulledMessage[] = [];
  const waiters = new Set<Waiter>();
  const open = new Set<ReturnType<v1.SubscriberClient['streamingPull']>>();
  let failure: Error | undefined;
  let closing = false;
  const wakeAll = () => {
    for (const waiter of waiters) waiter.wake();
  };

  const perStream = Math.max(
    1,
    Math.ceil(options.maxOutstanding / options.streams),
  );
  const start = (index: number) => {
    const stream = client.streamingPull();
    open.add(stream);
    let ended = false;
    const reopen = (error?: Error & {code?: number}) => {
      if (ended) return;
      ended = true;
      open.delete(stream);
      if (closing) return;
      if (error && error.code !== undefined && !REOPEN_CODES.has(error.code)) {
        failure = error;
        wakeAll();
        return;
      }
      setTimeout(() => closing || start(index), REOPEN_DELAY_MS).unref();
    };
    stream.on(
      'data',
      (response: {receivedMessages?: ReceivedMessage[] | null}) => {
        for (const received of response.receivedMessages ?? [])
          buffer.push(pulledMessage(received));
        wakeAll();
      },
    );
    stream.on('error', reopen);
    stream.on('end', () => reopen());
    stream.write({
      subscription,
      streamAckDeadlineSeconds: options.ackDeadlineSeconds,
      maxOutstandingMessages: perStream,
      clientId: `archiver-${process.pid}-${index}`,
    });
  };
  for (let i = 0; i < options.streams; i++) start(i);

  const waitForMessages = (waitMs: number) =>
    new Promise<void>(resolve => {
      const waiter: Waiter = {
        wake: () => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, waitMs);
      waiters.add(waiter);
    });

  return {
    async pull(max, waitMs = options.waitMs) {
      if (failure) throw failure;
      if (buffer.length === 0 && waitMs > 0) await waitForMessages(waitMs);
      if (failure) throw failure;
      return buffer.splice(0, max);
    },
    ack: ackIds => acknowledge(client, subscription, ackIds),
    async close() {
      closing = true;
      wakeAll();
      for (const stream of open) stream.cancel();
      open.clear();
      const unread = buffer.splice(0).map(m => m.ackId);
      try {
        // Handed back at once rather than after the deadline; if this fails they come back anyway.
        for (let i = 0; i < unread.length; i += 2_500) {
          await client.modifyAckDeadline({
            subscription,
            ackIds: unread.slice(i, i + 2_500),
            ackDeadlineSeconds: 0,
          });
        }
      } finally {
        await client.close();
      }
    },
  };
}
