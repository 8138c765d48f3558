import type {PubSub, SubscriptionMetadata} from '@google-cloud/pubsub';
import type {Resources} from '../resources';
import {readChangelogEntryAvsc} from '../avro/schemas';
import {createIfAbsent} from './already-exists';

export type AvroEncoding = 'JSON' | 'BINARY';

export interface PubsubProvisionOptions {
  /** The AVRO schema (.avsc JSON text) enforced on `avroTopic`. */
  avroSchemaDefinition: string;
  /** How messages on `avroTopic` are encoded; JSON unless told. */
  avroEncoding?: AvroEncoding;
  /**
   * Where `replicateSubscription` pushes. Locally, the pubsubReplicate function's URL. In the
   * cloud, Eventarc creates its own push subscription, so this is left out and the subscription
   * is a pull one (still with its dead-letter policy).
   */
  pushEndpoint?: string;
  /**
   * False when Eventarc owns the subscription (the cloud): a pull subscription nobody pulls would
   * only pile messages up. Default true.
   */
  withReplicateSubscription?: boolean;
  ackDeadlineSeconds?: number;
  /** The change records' AVRO schema (.avsc JSON text), enforced BINARY on `changes.topic`; default core/avro/changelog-entry.avsc. */
  changesSchemaDefinition?: string;
  /** The archiver subscription's ack deadline: how soon an unacknowledged batch comes back. Default 60. */
  changesAckDeadlineSeconds?: number;
}

/** JSON text compared by meaning, not by whitespace. */
function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a.trim() === b.trim();
  }
}

/**
 * Topics (generated and replicated signals), their dead-letter topics (each with a pull
 * subscription of the same name that keeps what lands there), the replicate subscription with its dead-letter and retry
 * policies, the AVRO schema and the schema-enforced topic. The PubSub client must carry its projectId. Safe to repeat: what
 * exists is kept, and the replicate subscription's policies are set to what is asked.
 */
export async function provisionPubsub(
  pubsub: PubSub,
  resources: Resources['pubsub'],
  options: PubsubProvisionOptions,
): Promise<void> {
  const generated = pubsub.topic(resources.generatedTopic);
  const deadLetter = pubsub.topic(resources.generatedDeadLetterTopic);
  await Promise.all([
    createIfAbsent(() => pubsub.createTopic(resources.generatedTopic)),
    createIfAbsent(() =>
      pubsub.createTopic(resources.generatedDeadLetterTopic),
    ),
    createIfAbsent(() => pubsub.createTopic(resources.replicatedTopic)),
    createIfAbsent(() =>
      pubsub.createTopic(resources.replicatedDeadLetterTopic),
    ),
    provisionSchemaTopic(
      pubsub,
      resources.avroSchema,
      options.avroSchemaDefinition,
      resources.avroTopic,
      options.avroEncoding ?? 'JSON',
    ),
    provisionChanges(pubsub, resources.changes, options),
  ]);
  await Promise.all(
    [
      resources.generatedDeadLetterTopic,
      resources.replicatedDeadLetterTopic,
    ].map(name =>
      createIfAbsent(() => pubsub.topic(name).createSubscription(name)),
    ),
  );
  if (options.withReplicateSubscription === false) return;

  const policies: SubscriptionMetadata = {
    ackDeadlineSeconds: options.ackDeadlineSeconds ?? 60,
    deadLetterPolicy: {
      deadLetterTopic: deadLetter.name,
      maxDeliveryAttempts: resources.maxDeliveryAttempts,
    },
    retryPolicy: {minimumBackoff: {seconds: 1}, maximumBackoff: {seconds: 60}},
  };
  const pushConfig = options.pushEndpoint
    ? {pushEndpoint: options.pushEndpoint}
    : {};
  const subscription = pubsub.subscription(resources.replicateSubscription);
  const created = await createIfAbsent(() =>
    generated.createSubscription(resources.replicateSubscription, {
      ...policies,
      pushConfig,
    }),
  );
  if (created === 'existed') {
    await subscription.setMetadata(policies);
    await subscription.modifyPushConfig(pushConfig);
  }
}

/**
 * A schema-enforced topic. The .avsc file is the schema's single source of truth: the schema is
 * created from it (reviseSchema), and the topic accepts every revision, so messages written with
 * an older one still decode.
 */
async function provisionSchemaTopic(
  pubsub: PubSub,
  schemaId: string,
  definition: string,
  topic: string,
  encoding: AvroEncoding,
): Promise<void> {
  const name = await reviseSchema(pubsub, schemaId, definition, {create: true});
  const schemaSettings = {schema: name, encoding};
  await createIfAbsent(() => pubsub.createTopic({name: topic, schemaSettings}));
}

/**
 * The schema as the .avsc says: created when absent (`create`), and a new revision committed when
 * the file differs by meaning from the newest revision (nothing when it does not: a schema keeps
 * at most 20 revisions). Returns the schema's full name. Without `create` it needs only
 * `pubsub.schemas.get` and `pubsub.schemas.commit`, which is what a deploy is given.
 */
export async function reviseSchema(
  pubsub: PubSub,
  schemaId: string,
  definition: string,
  options: {create: boolean},
): Promise<string> {
  const schema = pubsub.schema(schemaId);
  const created = options.create
    ? await createIfAbsent(() =>
        pubsub.createSchema(schemaId, 'AVRO', definition),
      )
    : 'existed';
  const name = await schema.getName();
  if (created === 'existed') {
    const newest = await schema.get('FULL');
    if (!sameJson(newest.definition ?? '', definition)) {
      const client = await pubsub.getSchemaClient();
      await client.commitSchema({
        name,
        schema: {name, type: 'AVRO', definition},
      });
    }
  }
  return name;
}

/**
 * The change records' topic (the template's AVRO, BINARY) and the archiver's pull subscription.
 * The archiver acknowledges only after a batch is written, so the ack deadline is how long a batch
 * may take before Pub/Sub hands it out again.
 */
async function provisionChanges(
  pubsub: PubSub,
  changes: Resources['pubsub']['changes'],
  options: PubsubProvisionOptions,
): Promise<void> {
  await provisionSchemaTopic(
    pubsub,
    changes.schema,
    options.changesSchemaDefinition ?? readChangelogEntryAvsc(),
    changes.topic,
    'BINARY',
  );
  const metadata: SubscriptionMetadata = {
    ackDeadlineSeconds: options.changesAckDeadlineSeconds ?? 60,
    retryPolicy: {minimumBackoff: {seconds: 1}, maximumBackoff: {seconds: 60}},
  };
  const created = await createIfAbsent(() =>
    pubsub
      .topic(changes.topic)
      .createSubscription(changes.archiverSubscription, metadata),
  );
  if (created === 'existed')
    await pubsub
      .subscription(changes.archiverSubscription)
      .setMetadata(metadata);
}
