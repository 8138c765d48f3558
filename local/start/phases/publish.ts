import {PubSub} from '@google-cloud/pubsub';
import {createBigtableClient} from '../../../core/bigtable/client';
import {readWatermark} from '../../../core/bigtable/pipeline-state';
import {readReplicatedSpans} from '../../../core/bigtable/replicated-spans';
import {endOfDay} from '../../../core/day';
import {readPublicationCursor} from '../../../core/publication/publication-cursor';
import {batchSubscriber} from '../../../core/pubsub/pulled-batch';
import {HOURLY_SWEEP} from '../../../core/pubsub/replicated-signal';
import {pubsubRestTarget} from '../../../core/pubsub/rest-publisher';
import {readTopicSchema} from '../../../core/pubsub/topic-schema';
import {
  avroTopicTally,
  drainAvroTopic,
} from '../../../core/reconcile/avro-topic-totals';
import type {Phase} from '../phase';

const TIMEOUT_MS = 10 * 60_000;
/** How long a sweep may go without the publication completing before another one is sent. */
const SWEEP_AGAIN_MS = 30_000;

/**
 * bigtableToAvro has been publishing since the first replication signal; this phase sends the
 * hourly scheduler's sweep once more (as its next run would), waits until the publication cursor
 * has reached the watermark past the last day with no replicated span left to take into account
 * (every row before it published and marked), then reads the AVRO topic's check subscription to
 * the end: each message decoded with the topic's schema, counted per day once per transactionId.
 */
export const publishPhase: Phase = {
  name: 'publish',
  unit: 'messages',
  async run(context, progress) {
    const {project, pubsub: names, bigtable: tables} = context.resources;
    const pubsub = new PubSub({projectId: project});
    const bigtable = createBigtableClient({projectId: project});
    const state = bigtable.instance(tables.instance).table(tables.state.id);
    const last = endOfDay(context.days[context.days.length - 1]!);
    const sweep = () =>
      pubsub.topic(names.replicatedTopic).publishMessage({
        data: Buffer.from(HOURLY_SWEEP.data),
        attributes: {...HOURLY_SWEEP.attributes},
      });
    const subscriber = await batchSubscriber(
      pubsub,
      names.avroCheckSubscription,
      5_000,
    );
    try {
      const began = Date.now();
      let sweeps = 0;
      let lastSweep = 0;
      for (;;) {
        if (Date.now() - lastSweep > SWEEP_AGAIN_MS) {
          await sweep();
          sweeps += 1;
          lastSweep = Date.now();
        }
        const [watermark, cursor, spans] = await Promise.all([
          readWatermark(state, tables.state),
          readPublicationCursor(state, tables.state),
          readReplicatedSpans(state, tables.state),
        ]);
        if (
          watermark &&
          watermark >= last &&
          cursor &&
          cursor.getTime() >= watermark.getTime() &&
          spans.length === 0
        )
          break;
        if (Date.now() - began > TIMEOUT_MS) {
          throw new Error(
            `not published after ${TIMEOUT_MS} ms: cursor ${cursor?.toISOString()}, watermark ${watermark?.toISOString()}, ${spans.length} replicated spans left`,
          );
        }
        await new Promise(resolve => setTimeout(resolve, 500));
      }
      const {codec} = await readTopicSchema(
        pubsubRestTarget(),
        project,
        names.avroTopic,
      );
      // A second reading (after `--late`) goes on counting with the first one's transactions seen.
      const counter = (context.avroCounter ??= avroTopicTally());
      const before = counter.tally.messages;
      await drainAvroTopic(subscriber, codec, counter, {
        onBatch: n => progress.advance(n),
      });
      context.avroTopic = counter.tally;
      const days = [...counter.tally.days.values()];
      const distinct = days.reduce((n, d) => n + d.count, 0);
      const duplicates = days.reduce((n, d) => n + d.duplicates, 0);
      return {
        items: counter.tally.messages - before,
        unit: 'messages',
        detail: `${distinct} transactions, ${duplicates} duplicates delivered, ${sweeps} sweeps`,
      };
    } finally {
      await Promise.allSettled([
        subscriber.close(),
        pubsub.close(),
        bigtable.close(),
      ]);
    }
  },
};
