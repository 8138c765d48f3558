import type {PubSubMessage} from './rest-publisher';

/**
 * The message pubsubReplicate publishes on the replicated topic after a run that wrote rows: the
 * span of `occurred_at` it wrote. Only a signal: bigtableToAvro reads what to publish from Bigtable
 * (the span's truth is the replicated-span record in pipeline_state), so a lost or duplicated
 * signal loses or duplicates nothing. The hourly sweep sends the same topic a message without a
 * span.
 */
export interface ReplicatedSignal {
  rows: number;
  firstOccurredAt: Date;
  lastOccurredAt: Date;
}

export function replicatedSignalAttributes(
  signal: ReplicatedSignal,
): Record<string, string> {
  return {
    rows: String(signal.rows),
    firstOccurredAt: signal.firstOccurredAt.toISOString(),
    lastOccurredAt: signal.lastOccurredAt.toISOString(),
  };
}

export function encodeReplicatedSignal(signal: ReplicatedSignal): Buffer {
  return Buffer.from(
    JSON.stringify(replicatedSignalAttributes(signal)),
    'utf8',
  );
}

/** The signal in a message body, or undefined for anything else (a sweep, a stray message). */
export function decodeReplicatedSignal(
  data: Buffer | undefined,
): ReplicatedSignal | undefined {
  if (!data || data.length === 0) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const {rows, firstOccurredAt, lastOccurredAt} = body as Record<
    string,
    unknown
  >;
  if (
    typeof rows !== 'string' ||
    !/^\d+$/.test(rows) ||
    typeof firstOccurredAt !== 'string' ||
    typeof lastOccurredAt !== 'string'
  )
    return undefined;
  const first = new Date(firstOccurredAt);
  const last = new Date(lastOccurredAt);
  if (Number.isNaN(first.getTime()) || Number.isNaN(last.getTime()))
    return undefined;
  return {rows: Number(rows), firstOccurredAt: first, lastOccurredAt: last};
}

/** The signal as the message published (./rest-publisher publishes it at once). */
export function replicatedSignalMessage(
  signal: ReplicatedSignal,
): PubSubMessage {
  return {
    data: encodeReplicatedSignal(signal),
    attributes: replicatedSignalAttributes(signal),
  };
}

/** What the hourly Cloud Scheduler sweep publishes on the replicated topic (README, deploy). */
export const HOURLY_SWEEP = {
  data: '{"sweep":"hourly"}',
  attributes: {sweep: 'hourly'},
} as const;
