import {createBigtableClient} from '../../core/bigtable/client';
import type {Logger} from '../../core/log';
import {
  type PublicationOptions,
  type PublicationReport,
  publishTransactions,
} from '../../core/publication/publish-transactions';
import {batchedPublisher} from '../../core/pubsub/message-publisher';
import {pubsubRestTarget} from '../../core/pubsub/rest-publisher';
import {readTopicSchema} from '../../core/pubsub/topic-schema';
import type {AvroPublishConfig} from './config';

/**
 * The heavy half of bigtableToAvro (Bigtable and Pub/Sub clients, avsc), bundled as its own file
 * (dist/bigtableToAvro/runtime.js) and built by the first event: it reads the topic's schema
 * settings once, so every run of the instance encodes with the revision and encoding the topic had
 * when the instance started.
 */
export interface AvroPublisher {
  run(): Promise<PublicationReport>;
}

/** `seams`: test hooks only (a crash between publish and mark). */
export async function buildRuntime(
  config: AvroPublishConfig,
  log: Logger,
  seams: Pick<PublicationOptions, 'afterPublish'> = {},
): Promise<AvroPublisher> {
  const pubsub = pubsubRestTarget();
  const schema = await readTopicSchema(
    pubsub,
    config.project,
    config.avroTopic,
  );
  log.info(
    {
      topic: config.avroTopic,
      schema: schema.schemaName,
      revisionId: schema.revisionId,
      encoding: schema.encoding,
    },
    'topic schema read',
  );
  const instance = createBigtableClient({projectId: config.project}).instance(
    config.bigtable.instance,
  );
  const deps = {
    txnTable: instance.table(config.bigtable.txn.id),
    txnSchema: config.bigtable.txn,
    stateTable: instance.table(config.bigtable.state.id),
    stateSchema: config.bigtable.state,
    codec: schema.codec,
    publisher: batchedPublisher(pubsub, config.project, config.avroTopic, {
      timeoutMs: config.publishTimeoutMs,
    }),
    log,
  };
  return {run: () => publishTransactions(deps, {...config.options, ...seams})};
}
