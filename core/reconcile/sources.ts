import {Storage} from '@google-cloud/storage';
import {createBigtableClient} from '../bigtable/client';
import {CachedSecrets, SecretManagerSecrets} from '../secrets';
import {openSqlPool} from '../sql/connect';
import {openObjectStore} from '../storage/open';
import type {ReconcileConfig} from './config';
import type {ReconcileSources} from './reconcile';

/** The clients reconciliation reads through, built once from its config; `close()` ends them. */
export async function openReconcileSources(
  config: ReconcileConfig,
): Promise<ReconcileSources & {close(): Promise<void>}> {
  const sql = await openSqlPool(config.sql, {
    secrets: () => new CachedSecrets(new SecretManagerSecrets(config.project)),
  });
  const bigtable = createBigtableClient({projectId: config.project});
  const instance = bigtable.instance(config.bigtable.instance);
  const summaries = openObjectStore(
    config.outputUri,
    () =>
      new Storage({
        projectId: config.project,
        ...(config.storageApiEndpoint
          ? {apiEndpoint: config.storageApiEndpoint}
          : {}),
      }),
  );
  return {
    sql,
    txnTable: instance.table(config.bigtable.txn.id),
    txnSchema: config.bigtable.txn,
    summaries,
    summaryTable: instance.table(config.bigtable.summaries.id),
    summarySchema: config.bigtable.summaries,
    close: async () => {
      await Promise.allSettled([sql.close(), bigtable.close()]);
    },
  };
}
