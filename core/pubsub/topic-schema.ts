import type { PubSub } from '@google-cloud/pubsub';
import { type AvroCodec, type AvroEncoding, avroCodec } from './avro-codec';

/**
 * What an AVRO-schema topic enforces, read from Pub/Sub itself: the schema revision new messages
 * are checked against (the topic's last allowed revision, or the schema's newest) and the encoding.
 * The publisher encodes with exactly that, so the .avsc file reaches the code only through
 * provisioning, and a revision committed there is picked up by the next instance that starts.
 */
export interface TopicSchema {
  schemaName: string;
  revisionId: string;
  encoding: AvroEncoding;
  codec: AvroCodec;
}

export class TopicSchemaError extends Error {
  readonly code = 'TOPIC_SCHEMA_UNUSABLE';
}

export async function readTopicSchema(pubsub: PubSub, topicName: string): Promise<TopicSchema> {
  const [metadata] = await pubsub.topic(topicName).getMetadata();
  const settings = metadata.schemaSettings;
  if (!settings?.schema) throw new TopicSchemaError(`topic ${topicName} has no schema: provision it (scripts/provision.ts) before publishing`);
  const encoding = String(settings.encoding);
  if (encoding !== 'JSON' && encoding !== 'BINARY') throw new TopicSchemaError(`topic ${topicName} has encoding ${encoding}; expected JSON or BINARY`);
  const client = await pubsub.getSchemaClient();
  const revision = settings.lastRevisionId ? `${settings.schema}@${settings.lastRevisionId}` : settings.schema;
  const [schema] = await client.getSchema({ name: revision, view: 'FULL' });
  if (String(schema.type) !== 'AVRO' || !schema.definition) throw new TopicSchemaError(`schema ${settings.schema} of topic ${topicName} is not an AVRO schema`);
  return {
    schemaName: settings.schema,
    revisionId: schema.revisionId ?? '',
    encoding,
    codec: avroCodec(schema.definition, encoding),
  };
}
