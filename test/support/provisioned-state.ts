/**
 * A comparable picture of everything provisioning creates, to prove a second run changes nothing.
 * Volatile fields (timestamps, generated ids, etags) are left out.
 */
import type {Bigtable} from '@google-cloud/bigtable';
import type {PubSub} from '@google-cloud/pubsub';
import type {Storage} from '@google-cloud/storage';
import type {Pool, RowDataPacket} from 'mysql2/promise';
import type {Resources} from '../../core/resources';

async function sqlState(pool: Pool, database: string) {
  const [columns] = await pool.query<RowDataPacket[]>(
    `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY, COLLATION_NAME
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  );
  const [indexes] = await pool.query<RowDataPacket[]>(
    `SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [database],
  );
  const [migrations] = await pool.query<RowDataPacket[]>(
    `SELECT version, name FROM \`${database}\`.schema_migrations ORDER BY version`,
  );
  return {columns, indexes, migrations};
}

async function bigtableState(bigtable: Bigtable, instanceId: string) {
  const [tables] = await bigtable.instance(instanceId).getTables();
  const state = await Promise.all(
    tables.map(async table => {
      const [families] = await table.getFamilies();
      return {
        table: table.id,
        families: families
          .map(f => ({id: f.id, gcRule: f.metadata?.gcRule ?? null}))
          .sort((a, b) => a.id.localeCompare(b.id)),
      };
    }),
  );
  return state.sort((a, b) => a.table.localeCompare(b.table));
}

async function pubsubState(pubsub: PubSub) {
  const [topics] = await pubsub.getTopics();
  const [subscriptions] = await pubsub.getSubscriptions();
  const schemas = [];
  for await (const schema of pubsub.listSchemas('FULL', {autoPaginate: false}))
    schemas.push({
      name: schema.name,
      type: schema.type,
      definition: schema.definition,
    });
  return {
    topics: topics
      .map(t => ({
        name: t.name,
        schemaSettings: t.metadata?.schemaSettings ?? null,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    subscriptions: subscriptions
      .map(s => ({
        name: s.name,
        topic: s.metadata?.topic,
        pushEndpoint: s.metadata?.pushConfig?.pushEndpoint ?? '',
        ackDeadlineSeconds: s.metadata?.ackDeadlineSeconds,
        deadLetterPolicy: s.metadata?.deadLetterPolicy ?? null,
        retryPolicy: s.metadata?.retryPolicy ?? null,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    schemas: schemas.sort((a, b) =>
      String(a.name).localeCompare(String(b.name)),
    ),
  };
}

async function storageState(storage: Storage, bucket: string) {
  const [exists] = await storage.bucket(bucket).exists();
  if (!exists) return {bucket, exists};
  const [metadata] = await storage.bucket(bucket).getMetadata();
  return {
    bucket,
    exists,
    location: metadata.location,
    storageClass: metadata.storageClass,
  };
}

export async function provisionedState(
  clients: {
    bigtable: Bigtable;
    pubsub: PubSub;
    storage: Storage;
    sqlPool: Pool;
  },
  resources: Resources,
) {
  const [sql, bigtable, pubsub, storage] = await Promise.all([
    sqlState(clients.sqlPool, resources.sql.database),
    bigtableState(clients.bigtable, resources.bigtable.instance),
    pubsubState(clients.pubsub),
    storageState(clients.storage, resources.storage.bucket),
  ]);
  return {sql, bigtable, pubsub, storage};
}
