/**
 * changelog-archive: change records/s archived (pull from the subscription, decode and check each
 * record, de-duplicate, one AVRO container file per commit hour of each batch written
 * create-if-absent, ack) against raw writes of the same records to the same store: the same
 * batches of BATCH messages split by commit hour, each written create-if-absent as the bytes the
 * messages carried, one after the other, no Pub/Sub. Same Pub/Sub emulator and fake-gcs-server,
 * same run; rounds alternate which side goes first; medians are compared.
 *
 * changelog-archive-write: the same without Pub/Sub: archiveBatch (decode, check, de-duplicate,
 * encode, write) over the same messages already in memory, in the same batches, against the same
 * raw writes. It separates the archiver's own cost from the emulator's pull rate.
 *
 * changelog-delivery: the emulator's best delivery rate, pull and ack with nothing archived (the
 * better of StreamingPull, as the archiver reads, and unary Pull, each round; both printed), against
 * the same raw writes: the ceiling Pub/Sub's emulator puts on changelog-archive.
 *
 * `node --import tsx bench/changelog.ts [NAME ...]` (or `npm run bench -- changelog-archive`); starts its own
 * services unless the environment points at running ones.
 */
import {PubSub} from '@google-cloud/pubsub';
import {Storage} from '@google-cloud/storage';
import {archiveBatch, archiveChanges} from '../core/changelog/archive';
import {hourOf} from '../core/changelog/archive-layout';
import {type ChangeRecord, encodeChange} from '../core/changelog/change-record';
import {createLogger} from '../core/log';
import {provisionPubsub} from '../core/provision/pubsub';
import {readTransactionAvsc} from '../core/avro/schemas';
import {
  type BatchSubscriber,
  batchSubscriber,
} from '../core/pubsub/pulled-batch';
import {streamedBatchSubscriber} from '../core/pubsub/streamed-batch';
import {defaultResources} from '../core/resources';
import {openObjectStore} from '../core/storage/open';
import type {ObjectStore} from '../core/storage/object-store';
import {transactionsOf} from '../test/core/summary/fixtures';
import {
  passedToPubSubChange,
  publishChanges,
  replicationChanges,
} from '../test/core/changelog/change-messages';
import {benchLine, median, platformFor, runBench} from './_support';

const TRANSACTIONS = Number(process.env.BENCH_CHANGELOG_TRANSACTIONS ?? 2500); // 8 changes each
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = Number(process.env.BENCH_CHANGELOG_BATCH ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CHANGELOG_CONCURRENCY ?? 4);
const STREAMS = Number(process.env.BENCH_CHANGELOG_STREAMS ?? 8);
const resources = defaultResources('bench-changelog', 'bench-changelog-bucket');

function changes(): ChangeRecord[] {
  const records: ChangeRecord[] = [];
  let i = 0;
  for (const txn of transactionsOf('2026-11-20', TRANSACTIONS, 11, 'bench')) {
    const commit = new Date(
      Date.UTC(2026, 10, 21, 0, 0, 0) +
        Math.floor((i++ / TRANSACTIONS) * 3 * 3_600_000),
    );
    const cells = replicationChanges(txn, resources.bigtable.txn, commit);
    records.push(
      ...cells,
      passedToPubSubChange(
        cells[0]!.rowKey.toString(),
        resources.bigtable.txn,
        new Date(commit.getTime() + 1000),
        `m${i}`,
      ),
    );
  }
  return records;
}

async function archived(
  pubsub: PubSub,
  store: ObjectStore,
  round: number,
  records: ChangeRecord[],
): Promise<number> {
  const subscription = `bench-archiver-${round}-${Date.now()}`;
  await pubsub
    .topic(resources.pubsub.changes.topic)
    .createSubscription(subscription, {ackDeadlineSeconds: 60});
  await publishChanges(pubsub, resources.pubsub.changes.topic, records);
  // Timed from before the streams open (they deliver as soon as they are open) until the last
  // record is acknowledged, i.e. stored: the drain's closing idle wait is not archiving.
  const began = performance.now();
  let finished = 0;
  let acked = 0;
  // As the deployed archiver makes it (changelog-archiver/index.ts).
  const streamed = await streamedBatchSubscriber(pubsub, subscription, {
    streams: STREAMS,
    maxOutstanding: 2 * BATCH * CONCURRENCY,
    ackDeadlineSeconds: 60,
    waitMs: 2_000,
  });
  const subscriber = {
    ...streamed,
    async ack(ackIds: readonly string[]) {
      await streamed.ack(ackIds);
      acked += ackIds.length;
      if (acked >= records.length && finished === 0)
        finished = performance.now();
    },
  };
  const deadLetters = openObjectStore(
    `gs://${resources.storage.bucket}/r${round}/errors/`,
    () => new Storage({apiEndpoint: process.env.STORAGE_API_ENDPOINT}),
  );
  try {
    while (acked < records.length) {
      await archiveChanges(
        {
          subscriber,
          archive: store,
          deadLetters,
          log: createLogger('bench', undefined, 'silent'),
        },
        {
          batchSize: BATCH,
          fillMs: 2000,
          concurrency: CONCURRENCY,
          budgetMs: 600_000,
          idlePulls: 1,
        },
      );
    }
    return records.length / ((finished - began) / 1000);
  } finally {
    await streamed.close();
  }
}

/**
 * The emulator's own delivery rate: the same records published, then pulled and acknowledged in
 * batches of BATCH (CONCURRENCY takers, one Acknowledge per batch) with nothing written, over
 * StreamingPull (STREAMS streams, as the archiver) or unary Pull (CONCURRENCY pullers).
 */
async function delivered(
  pubsub: PubSub,
  round: number,
  records: ChangeRecord[],
  method: 'streaming' | 'unary',
): Promise<number> {
  const subscription = `bench-delivery-${method}-${round}-${Date.now()}`;
  await pubsub
    .topic(resources.pubsub.changes.topic)
    .createSubscription(subscription, {ackDeadlineSeconds: 60});
  await publishChanges(pubsub, resources.pubsub.changes.topic, records);
  const began = performance.now();
  const subscriber: BatchSubscriber =
    method === 'streaming'
      ? await streamedBatchSubscriber(pubsub, subscription, {
          streams: STREAMS,
          maxOutstanding: 2 * BATCH * CONCURRENCY,
          ackDeadlineSeconds: 60,
          waitMs: 2_000,
        })
      : await batchSubscriber(pubsub, subscription, 2_000);
  let acked = 0;
  let finished = 0;
  try {
    await Promise.all(
      Array.from({length: CONCURRENCY}, async () => {
        while (acked < records.length) {
          const batch = await subscriber.pull(BATCH);
          while (batch.length > 0 && batch.length < BATCH) {
            const more = await subscriber.pull(BATCH - batch.length, 200);
            if (more.length === 0) break;
            batch.push(...more);
          }
          if (batch.length === 0) continue;
          await subscriber.ack(batch.map(m => m.ackId));
          acked += batch.length;
          if (acked >= records.length && finished === 0)
            finished = performance.now();
        }
      }),
    );
    return records.length / ((finished - began) / 1000);
  } finally {
    await subscriber.close();
  }
}

async function archivedWrites(
  store: ObjectStore,
  deadLetters: ObjectStore,
  records: ChangeRecord[],
): Promise<number> {
  const messages = records.map((record, i) => ({
    ackId: `a${i}`,
    messageId: `m${i}`,
    data: encodeChange(record),
    attributes: {},
    publishTime: new Date(),
    deliveryAttempt: 1,
  }));
  const began = performance.now();
  const log = createLogger('bench', undefined, 'silent');
  const subscriber = {
    pull: async () => [],
    ack: async () => {},
    close: async () => {},
  };
  for (let i = 0; i < messages.length; i += BATCH)
    await archiveBatch(
      {subscriber, archive: store, deadLetters, log},
      messages.slice(i, i + BATCH),
    );
  return records.length / ((performance.now() - began) / 1000);
}

async function rawWrites(
  store: ObjectStore,
  records: ChangeRecord[],
): Promise<number> {
  const messages = records.map(record => ({
    hour: hourOf(record.commitTimestamp),
    data: encodeChange(record),
  }));
  const began = performance.now();
  for (let i = 0; i < messages.length; i += BATCH) {
    const byHour = new Map<string, Buffer[]>();
    for (const m of messages.slice(i, i + BATCH))
      byHour.set(m.hour, [...(byHour.get(m.hour) ?? []), m.data]);
    for (const [hour, data] of [...byHour].sort(([a], [b]) =>
      a.localeCompare(b),
    ))
      await store.createIfAbsent(`${hour}${i}.bin`, Buffer.concat(data));
  }
  return records.length / ((performance.now() - began) / 1000);
}

async function main(): Promise<void> {
  const platform = await platformFor(
    ['pubsub', 'gcs'],
    ['PUBSUB_EMULATOR_HOST', 'STORAGE_EMULATOR_HOST'],
  );
  const pubsub = new PubSub({projectId: resources.project});
  const storage = new Storage({
    projectId: resources.project,
    apiEndpoint: process.env.STORAGE_API_ENDPOINT,
  });
  try {
    await provisionPubsub(pubsub, resources.pubsub, {
      avroSchemaDefinition: readTransactionAvsc(),
      withReplicateSubscription: false,
    });
    const [exists] = await storage.bucket(resources.storage.bucket).exists();
    if (!exists) await storage.createBucket(resources.storage.bucket);
    const records = changes();
    const wanted = process.argv.slice(2);
    // Untimed: the first writes open the store's connections and compile the codec paths.
    const warm = (side: string) =>
      openObjectStore(
        `gs://${resources.storage.bucket}/warm/${side}/`,
        () => storage,
      );
    await archivedWrites(
      warm('archive'),
      warm('errors'),
      records.slice(0, 4000),
    );
    await rawWrites(warm('raw'), records.slice(0, 4000));
    const figures = {
      'changelog-archive': (round: number, store: ObjectStore) =>
        archived(pubsub, store, round, records),
      'changelog-archive-write': (round: number, store: ObjectStore) =>
        archivedWrites(
          store,
          openObjectStore(
            `gs://${resources.storage.bucket}/w${round}/errors/`,
            () => storage,
          ),
          records,
        ),
      // No archiving at all: the ceiling the emulator sets on changelog-archive, by the better method.
      'changelog-delivery': async (round: number) => {
        const unary = await delivered(pubsub, round, records, 'unary');
        const streaming = await delivered(pubsub, round, records, 'streaming');
        console.log(
          `changelog-delivery round ${round + 1}: pull+ack only, unary Pull ${unary.toFixed(0)} msg/s, StreamingPull ${streaming.toFixed(0)} msg/s`,
        );
        return Math.max(unary, streaming);
      },
    };
    for (const [name, archiveSide] of Object.entries(figures)) {
      if (wanted.length > 0 && !wanted.includes(name)) continue;
      const archive: number[] = [];
      const raw: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const store = (side: string) =>
          openObjectStore(
            `gs://${resources.storage.bucket}/${name}/r${round}/${side}/`,
            () => storage,
          );
        const sides = [
          async () => archive.push(await archiveSide(round, store('archive'))),
          async () => raw.push(await rawWrites(store('raw'), records)),
        ];
        for (const side of round % 2 === 0 ? sides : sides.reverse())
          await side();
        const what =
          name === 'changelog-delivery'
            ? 'delivered (pull+ack, the better method)'
            : 'archived';
        console.log(
          `${name} round ${round + 1}: ${what} ${archive.at(-1)!.toFixed(0)} records/s, raw writes ${raw.at(-1)!.toFixed(0)} records/s (${records.length} records)`,
        );
      }
      console.log(benchLine(name, median(archive), median(raw), 'records/s'));
    }
  } finally {
    await pubsub.close();
    await platform?.stop();
  }
}

runBench(main);
