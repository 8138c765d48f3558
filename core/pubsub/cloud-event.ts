import {
  type BatchSignal,
  MalformedSignalError,
  decodeSignal,
} from './batch-signal';

/**
 * The Pub/Sub message inside a CloudEvent: Eventarc's `google.cloud.pubsub.topic.v1.messagePublished`
 * and a push envelope converted by the Functions Framework both carry `{ message: { data, ... } }`.
 */
export interface SignalEvent {
  signal: BatchSignal;
  messageId: string | undefined;
}

export function signalFromEvent(event: {
  data?: unknown;
  id?: string;
}): SignalEvent {
  const data = event.data;
  if (typeof data !== 'object' || data === null)
    throw new MalformedSignalError('event has no data');
  const message = (data as {message?: unknown}).message;
  if (typeof message !== 'object' || message === null)
    throw new MalformedSignalError('event data has no Pub/Sub message');
  const {data: payload, messageId} = message as {
    data?: unknown;
    messageId?: unknown;
  };
  if (typeof payload !== 'string')
    throw new MalformedSignalError('message data is missing');
  return {
    signal: decodeSignal(Buffer.from(payload, 'base64')),
    messageId: typeof messageId === 'string' ? messageId : event.id,
  };
}
