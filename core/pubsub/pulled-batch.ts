import {type PubSub, v1} from '@google-cloud/pubsub';

/** One message as a synchronous pull hands it out. */
export interface PulledMessage {
  ackId: string;
  messageId: string;
  data: Buffer;
  attributes: Record<string, string>;
  publishTime: Date;
  /** 1 on first delivery when the subscription tracks it (dead-letter policy); 0 when unknown. */
  deliveryAttempt: number;
}

/**
 * A pull subscription read batch by batch: nothing is acknowledged until the caller says so, so a
 * consumer that dies before acking gets the whole batch back after the ack deadline.
 */
export interface BatchSubscriber {
  /**
   * Up to `max` messages; an empty array when none arrived within the pull's wait (`waitMs` where
   * the subscriber can honour it, else its own).
   */
  pull(max: number, waitMs?: number): Promise<PulledMessage[]>;
  ack(ackIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

const MAX_PULL = 1000; // Pub/Sub hands out at most 1,000 messages per pull.
const ACK_CHUNK = 2_500; // Acknowledge requests are limited in size; 2,500 ids stay well below it.

/** What the Pull and StreamingPull RPCs hand out for one message (the fields read here). */
export interface ReceivedMessage {
  ackId?: string | null;
  deliveryAttempt?: number | null;
  message?: {
    messageId?: string | null;
    data?: Uint8Array | string | null;
    attributes?: Record<string, string> | null;
    publishTime?: {
      seconds?: number | string | {toString(): string} | null;
      nanos?: number | null;
    } | null;
  } | null;
}

/** A received message in the form consumers read. */
export function pulledMessage(received: ReceivedMessage): PulledMessage {
  const message = received.message ?? {};
  const seconds = Number(String(message.publishTime?.seconds ?? 0));
  const nanos = message.publishTime?.nanos ?? 0;
  return {
    ackId: received.ackId ?? '',
    messageId: message.messageId ?? '',
    data:
      typeof message.data === 'string'
        ? Buffer.from(message.data, 'base64')
        : Buffer.from(message.data ?? []),
    attributes: {...(message.attributes ?? {})},
    publishTime: new Date(seconds * 1000 + Math.floor(nanos / 1e6)),
    deliveryAttempt: received.deliveryAttempt ?? 0,
  };
}

/** Acknowledges many messages in as few calls as the request size allows; resolves once Pub/Sub has answered each. */
export async function acknowledge(
  client: v1.SubscriberClient,
  subscription: string,
  ackIds: readonly string[],
): Promise<void> {
  for (let i = 0; i < ackIds.length; i += ACK_CHUNK) {
    await client.acknowledge({
      subscription,
      ackIds: ackIds.slice(i, i + ACK_CHUNK),
    });
  }
}

/** A BatchSubscriber over Pub/Sub's synchronous Pull (the emulator or Google's, as the client is configured). */
export async function batchSubscriber(
  pubsub: PubSub,
  subscriptionName: string,
  pullTimeoutMs = 10_000,
): Promise<BatchSubscriber> {
  const client = new v1.SubscriberClient({...(await pubsub.getClientConfig())});
  const subscription = pubsub.subscription(subscriptionName).name;
  return {
    async pull(max) {
      const [response] = await client.pull(
        {subscription, maxMessages: Math.min(max, MAX_PULL)},
        {timeout: pullTimeoutMs},
      );
      return (response.receivedMessages ?? []).map(pulledMessage);
    },
    ack: ackIds => acknowledge(client, subscription, ackIds),
    close: () => client.close(),
  };
}
