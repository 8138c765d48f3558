import type { PubSub } from '@google-cloud/pubsub';

/**
 * Publishes many messages to one topic, batched by the client (up to `maxMessages` per request or
 * `maxMilliseconds` of waiting). Each publish resolves with the message id once Pub/Sub has
 * acknowledged that message, and rejects if it refused it (a schema violation, a timeout).
 */
export interface MessagePublisher {
  publish(data: Buffer, attributes: Record<string, string>): Promise<string>;
}

export interface BatchingOptions {
  timeoutMs: number;
  maxMessages?: number;
  maxMilliseconds?: number;
}

export function batchedPublisher(pubsub: PubSub, topicName: string, options: BatchingOptions): MessagePublisher {
  const topic = pubsub.topic(topicName, {
    batching: { maxMessages: options.maxMessages ?? 500, maxMilliseconds: options.maxMilliseconds ?? 5 },
    gaxOpts: { timeout: options.timeoutMs },
  });
  return { publish: (data, attributes) => topic.publishMessage({ data, attributes }) };
}
