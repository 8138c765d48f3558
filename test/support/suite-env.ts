/**
 * Everything an integration suite needs, isolated from every other suite and already provisioned:
 *
 *   const env = await suiteEnv('replication');
 *   test.after(() => env.close());
 *   // env.resources, env.bigtable, env.pubsub, env.storage, env.pool, env.vars
 */
import {createBigtableClient} from '../../core/bigtable/client';
import type {Bigtable} from '@google-cloud/bigtable';
import {PubSub} from '@google-cloud/pubsub';
import {Storage} from '@google-cloud/storage';
import {createPool, type Pool} from 'mysql2/promise';
import {
  provisionAll,
  type ProvisionOptions,
} from '../../core/provision/provision';
import type {Resources} from '../../core/resources';
import {type SqlPool, openSqlPool} from '../../core/sql/connect';
import {platformEnv} from './platform-env';
import {suiteResources} from './suite-resources';

export interface SuiteEnv {
  resources: Resources;
  bigtable: Bigtable;
  pubsub: PubSub;
  storage: Storage;
  /** A pool bound to the suite's database (UTC sessions, BIGINT as strings, like production's). */
  pool: Pool;
  /** The same database opened as the functions open theirs (claim sessions included). */
  sql: SqlPool;
  /** Platform variables plus GOOGLE_CLOUD_PROJECT, SQL_DATABASE, BIGTABLE_INSTANCE of this suite. */
  vars: Record<string, string>;
  close(): Promise<void>;
}

export interface SuiteEnvOptions {
  /** Provision Bigtable tables, topics/subscriptions/schema, bucket and SQL schema (default true). */
  provision?: boolean;
  provisionOptions?: ProvisionOptions;
}

/** Clients for the running platform, under the suite's Pub/Sub project. */
export function platformClients(
  project: string,
  env: NodeJS.ProcessEnv = process.env,
) {
  const platform = platformEnv(env);
  return {
    platform,
    bigtable: createBigtableClient({projectId: project}),
    pubsub: new PubSub({projectId: project}),
    storage: new Storage({
      projectId: project,
      apiEndpoint: platform.storageApiEndpoint,
    }),
    /** A pool not bound to any database, for provisioning. */
    adminPool: (): Pool => createPool({...platform.mysql, connectionLimit: 2}),
  };
}

export async function suiteEnv(
  suite: string,
  options: SuiteEnvOptions = {},
): Promise<SuiteEnv> {
  const resources = suiteResources(suite);
  const {platform, bigtable, pubsub, storage, adminPool} = platformClients(
    resources.project,
  );
  const admin = adminPool();
  try {
    if (options.provision ?? true) {
      await provisionAll(
        {bigtable, pubsub, storage, sqlPool: admin},
        resources,
        options.provisionOptions,
      );
    } else {
      await admin.query(
        `CREATE DATABASE IF NOT EXISTS \`${resources.sql.database}\``,
      );
    }
  } finally {
    await admin.end();
  }
  const sql = await openSqlPool({
    kind: 'tcp',
    ...platform.mysql,
    database: resources.sql.database,
    limits: {size: 5, connectTimeoutMs: 10_000, acquireTimeoutMs: 10_000},
  });
  return {
    resources,
    bigtable,
    pubsub,
    storage,
    pool: sql.pool,
    sql,
    vars: {
      ...platform.vars,
      GOOGLE_CLOUD_PROJECT: resources.project,
      SQL_DATABASE: resources.sql.database,
      BIGTABLE_INSTANCE: resources.bigtable.instance,
    },
    close: async () => {
      await Promise.allSettled([sql.close(), bigtable.close(), pubsub.close()]);
    },
  };
}
