import type { PubSub } from '@google-cloud/pubsub';
import type { SignalPublisher } from './generate';
import { encodeSignal, signalAttributes } from './signal';

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
