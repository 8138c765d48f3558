import {type BatchSignal, encodeSignal, signalAttributes} from './batch-signal';
import {type PubSubRestTarget, restTopicPublisher} from './rest-publisher';

export interface SignalPublisher {
  /** Resolves with the message id once Pub/Sub has accepted the message. */
  publish(signal: BatchSignal): Promise<string>;
}

/** Publishes batch signals to a topic at once, one message per call (./rest-publisher). */
export function topicPublisher(
  target: PubSubRestTarget,
  project: string,
  topicName: string,
  timeoutMs: number,
): SignalPublisher {
  const publish = restTopicPublisher(target, project, topicName, timeoutMs);
  return {
    publish: signal =>
      publish({
        data: encodeSignal(signal),
        attributes: signalAttributes(signal),
      }),
  };
}
