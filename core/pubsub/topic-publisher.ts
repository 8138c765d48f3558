import type { PubSub, Topic } from '@google-cloud/pubsub';
import { type BatchSignal, encodeSignal, signalAttributes } from './batch-signal';

export interface SignalPublisher {
  /** Resolves with the message id once Pub/Sub has accepted the message. */
  publish(signal: BatchSignal): Promise<string>;
}

/** A topic whose messages go out at once (no client-side batching: one signal per request). */
export function signalTopic(pubsub: PubSub, topicName: string, timeoutMs: number): Topic {
  return pubsub.topic(topicName, {
    batching: { maxMessages: 1, maxMilliseconds: 0 },
    gaxOpts: { timeout: timeoutMs },
  });
}

/** Publishes batch signals to a topic at once. */
export function topicPublisher(pubsub: PubSub, topicName: string, timeoutMs: number): SignalPublisher {
  const topic = signalTopic(pubsub, topicName, timeoutMs);
  return {
    publish: (signal) => topic.publishMessage({ data: encodeSignal(signal), attributes: signalAttributes(signal) }),
  };
}
