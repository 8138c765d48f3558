import type {Day} from '../day';
import {dayOf} from '../day';
import {isCurrency} from '../money';
import type {AvroCodec, AvroEncoding} from '../pubsub/avro-codec';
import type {BatchSubscriber} from '../pubsub/pulled-batch';
import {type StoreDay, addTo} from './day-totals';

/** The AVRO topic's view of one day: each transaction once (by its `transactionId` attribute). */
export interface AvroTopicDay extends StoreDay {
  /** Messages delivered for a transaction already counted (at-least-once publication). */
  duplicates: number;
  /** Messages that do not decode, or whose record disagrees with its attribute. */
  problems: string[];
}

export interface AvroTopicTally {
  days: Map<Day, AvroTopicDay>;
  /** Messages read, duplicates included. */
  messages: number;
  /** Problems of messages whose day is unknown (they do not decode). */
  undated: string[];
}

const PROBLEMS_KEPT = 10;

function dayEntry(tally: AvroTopicTally, day: Day): AvroTopicDay {
  let entry = tally.days.get(day);
  if (!entry)
    tally.days.set(
      day,
      (entry = {count: 0, currencies: new Map(), duplicates: 0, problems: []}),
    );
  return entry;
}

/**
 * Counts what a subscriber of the AVRO topic receives: every message decoded with the topic's
 * schema (in the encoding its `googclient_schemaencoding` attribute names), grouped by the UTC day
 * of `occurredAt`, each `transactionId` counted once and the repeats counted as duplicates.
 */
export function avroTopicTally(): {
  add(
    message: {data: Buffer; attributes: Record<string, string>},
    codec: AvroCodec,
  ): void;
  tally: AvroTopicTally;
} {
  const tally: AvroTopicTally = {days: new Map(), messages: 0, undated: []};
  const seen = new Set<string>();
  const note = (list: string[], problem: string) => {
    if (list.length < PROBLEMS_KEPT) list.push(problem);
  };
  return {
    tally,
    add(message, codec) {
      tally.messages += 1;
      const id = message.attributes.transactionId;
      const encoding = (message.attributes.googclient_schemaencoding ??
        codec.encoding) as AvroEncoding;
      let record: Record<string, unknown>;
      try {
        record = codec.decode(message.data, encoding);
      } catch (error) {
        note(
          tally.undated,
          `message of ${id ?? 'no transactionId'} does not decode: ${(error as Error).message}`,
        );
        return;
      }
      const occurredAt = record.occurredAt;
      if (!(occurredAt instanceof Date) || Number.isNaN(occurredAt.getTime())) {
        note(
          tally.undated,
          `message of ${id ?? 'no transactionId'} has no occurredAt`,
        );
        return;
      }
      const day = dayEntry(tally, dayOf(occurredAt));
      if (!id)
        return note(
          day.problems,
          `a message without a transactionId attribute (record ${String(record.id)})`,
        );
      if (record.id !== id)
        return note(
          day.problems,
          `message of ${id} carries record ${String(record.id)}`,
        );
      const currency = String(record.currency);
      if (!isCurrency(currency) || typeof record.amountMinor !== 'bigint')
        return note(
          day.problems,
          `record ${id}: currency ${currency}, amountMinor ${String(record.amountMinor)}`,
        );
      if (seen.has(id)) {
        day.duplicates += 1;
        return;
      }
      seen.add(id);
      addTo(day, currency, record.amountMinor);
    },
  };
}

/**
 * Reads the subscription until it is empty (`emptyPulls` pulls in a row return nothing), acking
 * each batch once counted.
 */
export async function drainAvroTopic(
  subscriber: BatchSubscriber,
  codec: AvroCodec,
  counter: ReturnType<typeof avroTopicTally>,
  options: {emptyPulls?: number; onBatch?: (messages: number) => void} = {},
): Promise<void> {
  let empty = 0;
  while (empty < (options.emptyPulls ?? 2)) {
    const batch = await subscriber.pull(1000);
    if (batch.length === 0) {
      empty += 1;
      continue;
    }
    empty = 0;
    for (const message of batch) counter.add(message, codec);
    await subscriber.ack(batch.map(m => m.ackId));
    options.onBatch?.(batch.length);
  }
}
