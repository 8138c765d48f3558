import type {Bigtable} from '@google-cloud/bigtable';
import type {PubSub} from '@google-cloud/pubsub';
import type {Storage} from '@google-cloud/storage';
import type {Pool} from 'mysql2/promise';
import type {Resources} from '../resources';
import {provisionBigtable} from './bigtable';
import {provisionPubsub, type PubsubProvisionOptions} from './pubsub';
import {provisionSql} from './sql';
import {provisionStorage, type BucketOptions} from './storage';
import {readTransactionAvsc} from '../avro/schemas';

/** The clients to provision through; a service whose client is left out is skipped. */
export interface ProvisionClients {
  bigtable?: Bigtable;
  pubsub?: PubSub;
  storage?: Storage;
  /** A pool not bound to a database (provisioning creates it). */
  sqlPool?: Pool;
}

export interface ProvisionOptions {
  pubsub?: Partial<PubsubProvisionOptions>;
  bucket?: BucketOptions;
}

/** Everything the pipeline needs, in parallel, idempotently (see each provisionX). */
export async function provisionAll(
  clients: ProvisionClients,
  resources: Resources,
  options: ProvisionOptions = {},
): Promise<void> {
  const pubsubOptions: PubsubProvisionOptions = {
    ...options.pubsub,
    avroSchemaDefinition:
      options.pubsub?.avroSchemaDefinition ?? readTransactionAvsc(),
  };
  await Promise.all([
    clients.bigtable && provisionBigtable(clients.bigtable, resources.bigtable),
    clients.pubsub &&
      provisionPubsub(clients.pubsub, resources.pubsub, pubsubOptions),
    clients.storage &&
      provisionStorage(clients.storage, resources.storage, options.bucket),
    clients.sqlPool && provisionSql(clients.sqlPool, resources.sql),
  ]);
}
