import {
  type PubSubMessage,
  type PubSubRestTarget,
  publishMessages,
} from './rest-publisher';

/**
 * Publishes many messages to one topic, batched here (up to `maxMessages` per request or
 * `maxMilliseconds` of waiting), over Pub/Sub's REST API (./rest-publisher). Each publish resolves
 * with the message id once Pub/Sub has acknowledged that message, and rejects if it refused it (a
 * schema violation, a timeout): a refused request rejects every message in it.
 */
export interface MessagePublisher {
  publish(data: Buffer, attributes: Record<string, string>): Promise<string>;
}

export interface BatchingOptions {
  timeoutMs: number;
  maxMessages?: number;
  maxMilliseconds?: number;
}

interface Pending {
  message: PubSubMessage;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

export function batchedPublisher(
  target: PubSubRestTarget,
  project: string,
  topicName: string,
  options: BatchingOptions,
): MessagePublisher {
  const maxMessages = options.maxMessages ?? 500;
  const maxMilliseconds = options.maxMilliseconds ?? 5;
  let batch: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const sent = batch;
    batch = [];
    publishMessages(
      target,
      project,
      topicName,
      sent.map(p => p.message),
      options.timeoutMs,
    ).then(
      ids => sent.forEach((p, i) => p.resolve(ids[i]!)),
      (error: unknown) => sent.forEach(p => p.reject(error)),
    );
  };
  return {
    publish: (data, attributes) =>
      new Promise<string>((resolve, reject) => {
        batch.push({message: {data, attributes}, resolve, reject});
        if (batch.length >= maxMessages) flush();
        else timer ??= setTimeout(flush, maxMilliseconds);
      }),
  };
}
