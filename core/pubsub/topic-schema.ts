import {type AvroCodec, type AvroEncoding, avroCodec} from './avro-codec';
import {
  type PubSubRestTarget,
  pubsubRestCall,
  topicPath,
} from './rest-publisher';

/**
 * What an AVRO-schema topic enforces, read from Pub/Sub itself (REST: topics.get, then
 * schemas.get of the revision, ./rest-publisher): the schema revision new messages are checked
 * against (the topic's last allowed revision, or the schema's newest) and the encoding. The
 * publisher encodes with exactly that, so the .avsc file reaches the code only through
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

interface TopicResource {
  schemaSettings?: {
    schema?: string;
    encoding?: string;
    lastRevisionId?: string;
  };
}

interface SchemaResource {
  type?: string;
  definition?: string;
  revisionId?: string;
}

const TIMEOUT_MS = 30_000;

export async function readTopicSchema(
  target: PubSubRestTarget,
  project: string,
  topicName: string,
): Promise<TopicSchema> {
  const metadata = (await pubsubRestCall(
    target,
    `reading topic ${topicName}`,
    topicPath(project, topicName),
    TIMEOUT_MS,
  )) as TopicResource;
  const settings = metadata.schemaSettings;
  if (!settings?.schema)
    throw new TopicSchemaError(
      `topic ${topicName} has no schema: provision it (scripts/provision.ts) before publishing`,
    );
  const encoding = String(settings.encoding);
  if (encoding !== 'JSON' && encoding !== 'BINARY')
    throw new TopicSchemaError(
      `topic ${topicName} has encoding ${encoding}; expected JSON or BINARY`,
    );
  const revision = settings.lastRevisionId
    ? `${settings.schema}@${settings.lastRevisionId}`
    : settings.schema;
  const schema = (await pubsubRestCall(
    target,
    `reading schema ${revision}`,
    `${revision}?view=FULL`,
    TIMEOUT_MS,
  )) as SchemaResource;
  if (String(schema.type) !== 'AVRO' || !schema.definition)
    throw new TopicSchemaError(
      `schema ${settings.schema} of topic ${topicName} is not an AVRO schema`,
    );
  return {
    schemaName: settings.schema,
    revisionId: schema.revisionId ?? '',
    encoding,
    codec: avroCodec(schema.definition, encoding),
  };
}
