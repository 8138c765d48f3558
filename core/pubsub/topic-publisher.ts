import type { PubSub } from '@google-cloud/pubsub';
import { type BatchSignal, encodeSignal, signalAttributes } from './batch-signal';

export interface SignalPublisher {
  /** Resolves with the message id once Pub/Sub has accepted the message. */
  publish(signal: BatchSignal): Promise<string>;
}

/** Publishes batch signals to a topic at once (no client-side batching: one signal per request). */
export function topicPublisher(pubsub: PubSub, topicName: string, timeoutMs: number): SignalPublisher {
  const topic = pubsub.topic(topicName, {
    batching: { maxMessages: 1, maxMilliseconds: 0 },
    gaxOpts: { timeout: timeoutMs },
  });
  return {
    publish: (signal) => topic.publishMessage({ data: encodeSignal(signal), attributes: signalAttributes(signal) }),
  };
}
