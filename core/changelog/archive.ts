import {createHash} from 'node:crypto';
import type {Logger} from '../log';
import type {BatchSubscriber, PulledMessage} from '../pubsub/pulled-batch';
import type {ObjectStore} from '../storage/object-store';
import {batchObjectName, hourOf} from './archive-layout';
import {
  type ChangeRecord,
  MalformedChangeError,
  decodeChange,
  encodedChangeIdentity,
} from './change-record';
import {encodeContainer} from './container-file';

/**
 * The change-log archiver: pulls change records from the subscription in batches, writes each
 * batch's records as one AVRO container file per commit hour (create-if-absent, named by the
 * records it holds), dead-letters what it cannot read, and only then acknowledges the batch.
 *
 * A crash anywhere before the ack leaves the batch to Pub/Sub, which hands it out again: the
 * objects already written are found under the same names (or, if Pub/Sub regroups the messages,
 * written again under other names, which readers de-duplicate by record identity).
 */
export interface ArchiveDeps {
  subscriber: BatchSubscriber;
  /** The archive's root (`gs://bucket/changelog/`). */
  archive: ObjectStore;
  /** Where unreadable messages go, one JSON report each. */
  deadLetters: ObjectStore;
  log: Logger;
  /** Called after each object is written and before the ack (tests crash here). */
  afterObjectWritten?: (name: string) => Promise<void>;
}

export interface ArchiveOptions {
  /** Messages per batch (a batch is filled by as many pulls as it takes, within `fillMs`). */
  batchSize: number;
  /** How long a batch may wait to fill before it is written as it is. */
  fillMs: number;
  /** Batches in progress at once, each pulled, written and acknowledged on its own. */
  concurrency: number;
  /** Stop pulling once this much time is spent (a batch in progress still finishes and is acked). */
  budgetMs: number;
  /** Stop after this many pulls in a row returned nothing (the subscription is drained). */
  idlePulls: number;
}

export interface BatchReport {
  messages: number;
  /** Distinct records of the batch, all of them in the archive now. */
  records: number;
  /** Objects this batch created; objects it found already there (a redelivered batch). */
  created: string[];
  existing: string[];
  deadLettered: number;
}

export interface ArchiveReport {
  batches: number;
  messages: number;
  records: number;
  objects: number;
  deadLettered: number;
}

interface DeadLetter {
  messageId: string;
  publishTime: string;
  attributes: Record<string, string>;
  reason: string;
  /** The message body, base64, as it arrived. */
  data: string;
}

/** The report of a message that cannot be archived, under a name its redelivery finds again. */
function deadLetterOf(
  message: PulledMessage,
  reason: string,
): {name: string; body: string} {
  const report: DeadLetter = {
    messageId: message.messageId,
    publishTime: message.publishTime.toISOString(),
    attributes: message.attributes,
    reason,
    data: message.data.toString('base64'),
  };
  const id =
    message.messageId ||
    createHash('sha256').update(message.data).digest('hex').slice(0, 32);
  return {
    name: `${report.publishTime.slice(0, 10)}/${id}.json`,
    body: `${JSON.stringify(report, null, 2)}\n`,
  };
}

/** Writes one pulled batch to the archive and dead letters; resolves once everything is stored. */
export async function archiveBatch(
  deps: ArchiveDeps,
  messages: readonly PulledMessage[],
): Promise<BatchReport> {
  const byHour = new Map<string, Map<string, Buffer>>();
  const deadLetters: Array<{name: string; body: string}> = [];
  for (const message of messages) {
    let record: ChangeRecord;
    try {
      record = decodeChange(message.data);
    } catch (error) {
      if (!(error instanceof MalformedChangeError)) throw error;
      deps.log.warn(
        {messageId: message.messageId, reason: error.message},
        'change message dead-lettered',
      );
      deadLetters.push(deadLetterOf(message, error.message));
      continue;
    }
    const hour = hourOf(record.commitTimestamp);
    const records = byHour.get(hour) ?? new Map<string, Buffer>();
    records.set(encodedChangeIdentity(message.data), message.data);
    byHour.set(hour, records);
  }

  // One hour's object after the other (a batch spans one or two hours): a crash leaves a prefix
  // of the batch written, and the redelivered batch finds those objects under the same names.
  const created: string[] = [];
  const existing: string[] = [];
  for (const [hour, records] of [...byHour].sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const identities = [...records.keys()].sort();
    const name = batchObjectName(hour, identities);
    const syncMarker = createHash('sha256')
      .update(name)
      .digest()
      .subarray(0, 16);
    const body = encodeContainer(
      identities.map(id => records.get(id)!),
      syncMarker,
    );
    ((await deps.archive.createIfAbsent(name, body)) ? created : existing).push(
      name,
    );
    await deps.afterObjectWritten?.(name);
  }
  await Promise.all(
    deadLetters.map(({name, body}) =>
      deps.deadLetters.createIfAbsent(name, body),
    ),
  );
  let records = 0;
  for (const hour of byHour.values()) records += hour.size;
  return {
    messages: messages.length,
    records,
    created,
    existing,
    deadLettered: deadLetters.length,
  };
}

/**
 * Waits for a first message (the subscriber's own wait: how idleness is seen), then takes more
 * until `size` messages are in hand, `fillMs` has passed, or a pull comes back empty.
 */
async function fillBatch(
  subscriber: BatchSubscriber,
  size: number,
  fillMs: number,
): Promise<PulledMessage[]> {
  const batch = await subscriber.pull(size);
  const began = Date.now();
  while (
    batch.length > 0 &&
    batch.length < size &&
    Date.now() - began < fillMs
  ) {
    const pulled = await subscriber.pull(
      size - batch.length,
      fillMs - (Date.now() - began),
    );
    if (pulled.length === 0) break;
    batch.push(...pulled);
  }
  return batch;
}

/**
 * Pulls, archives and acknowledges batch after batch (`concurrency` at a time) until the
 * subscription is drained or the budget spent. A failed write rejects with the batch unacknowledged.
 */
export async function archiveChanges(
  deps: ArchiveDeps,
  options: ArchiveOptions,
): Promise<ArchiveReport> {
  const report: ArchiveReport = {
    batches: 0,
    messages: 0,
    records: 0,
    objects: 0,
    deadLettered: 0,
  };
  const began = Date.now();
  const worker = async () => {
    let idle = 0;
    while (idle < options.idlePulls && Date.now() - began < options.budgetMs) {
      const messages = await fillBatch(
        deps.subscriber,
        options.batchSize,
        options.fillMs,
      );
      if (messages.length === 0) {
        idle++;
        continue;
      }
      idle = 0;
      const batch = await archiveBatch(deps, messages);
      await deps.subscriber.ack(messages.map(m => m.ackId));
      report.batches++;
      report.messages += batch.messages;
      report.records += batch.records;
      report.objects += batch.created.length;
      report.deadLettered += batch.deadLettered;
      deps.log.debug(
        {
          ...batch,
          created: batch.created.length,
          existing: batch.existing.length,
        },
        'change batch archived',
      );
    }
  };
  await Promise.all(Array.from({length: options.concurrency}, worker));
  return report;
}
