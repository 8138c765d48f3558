import type { PubSub, SubscriptionMetadata } from '@google-cloud/pubsub';
import type { Resources } from '../resources';
import { createIfAbsent } from './already-exists';

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
}

export class SchemaMismatchError extends Error {
  readonly code = 'SCHEMA_MISMATCH';
  constructor(readonly schema: string) {
    super(
      `Pub/Sub schema ${schema} exists with a different definition: commit a new revision ` +
        `or delete it (and the topics using it) before provisioning again`,
    );
    this.name = 'SchemaMismatchError';
  }
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
 * Topics, dead-letter topic (with a pull subscription of the same name that keeps what lands
 * there), the replicate subscription with its dead-letter and retry policies, the AVRO schema and
 * the schema-enforced topic. The PubSub client must carry its projectId. Safe to repeat: what
 * exists is kept, and the replicate subscription's policies are set to what is asked.
 */
export async function provisionPubsub(pubsub: PubSub, resources: Resources['pubsub'], options: PubsubProvisionOptions): Promise<void> {
  const generated = pubsub.topic(resources.generatedTopic);
  const deadLetter = pubsub.topic(resources.generatedDeadLetterTopic);
  await Promise.all([
    createIfAbsent(() => pubsub.createTopic(resources.generatedTopic)),
    createIfAbsent(() => pubsub.createTopic(resources.generatedDeadLetterTopic)),
    provisionAvroTopic(pubsub, resources, options),
  ]);
  await createIfAbsent(() => deadLetter.createSubscription(resources.generatedDeadLetterTopic));
  if (options.withReplicateSubscription === false) return;

  const policies: SubscriptionMetadata = {
    ackDeadlineSeconds: options.ackDeadlineSeconds ?? 60,
    deadLetterPolicy: { deadLetterTopic: deadLetter.name, maxDeliveryAttempts: resources.maxDeliveryAttempts },
    retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 60 } },
  };
  const pushConfig = options.pushEndpoint ? { pushEndpoint: options.pushEndpoint } : {};
  const subscription = pubsub.subscription(resources.replicateSubscription);
  const created = await createIfAbsent(() =>
    generated.createSubscription(resources.replicateSubscription, { ...policies, pushConfig }),
  );
  if (created === 'existed') {
    await subscription.setMetadata(policies);
    await subscription.modifyPushConfig(pushConfig);
  }
}

async function provisionAvroTopic(pubsub: PubSub, resources: Resources['pubsub'], options: PubsubProvisionOptions): Promise<void> {
  const schema = pubsub.schema(resources.avroSchema);
  const created = await createIfAbsent(() => pubsub.createSchema(resources.avroSchema, 'AVRO', options.avroSchemaDefinition));
  if (created === 'existed') {
    const existing = await schema.get('FULL');
    if (!sameJson(existing.definition ?? '', options.avroSchemaDefinition)) throw new SchemaMismatchError(await schema.getName());
  }
  const schemaSettings = { schema: await schema.getName(), encoding: options.avroEncoding ?? 'JSON' };
  await createIfAbsent(() => pubsub.createTopic({ name: resources.avroTopic, schemaSettings }));
}
