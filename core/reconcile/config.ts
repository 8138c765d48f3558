import { type Env, readConfig } from '../config';
import { type Resources, defaultResources } from '../resources';
import { type SqlConnection, readSqlConnection } from '../sql/connection-config';

/**
 * Where reconciliation reads, from the same variables the parts themselves use: the functions'
 * Cloud SQL settings (CLOUD_SQL_INSTANCE or MYSQL_*), BIGTABLE_INSTANCE / TXN_TABLE (replicate),
 * OUTPUT_URI (the daily job's), SUMMARY_TABLE (the flex template's bigtable_table), so the same
 * command runs against the local platform or a deployed project.
 */
export interface ReconcileConfig {
  project: string;
  sql: SqlConnection;
  bigtable: Resources['bigtable'];
  outputUri: string;
  storageApiEndpoint: string | undefined;
}

const PROJECT = /^[a-z][a-z0-9-]{4,61}[a-z0-9]$/;
const BIGTABLE_ID = /^[A-Za-z0-9_.-]{1,50}$/;

export function readReconcileConfig(env: Env): ReconcileConfig {
  return readConfig(env, (read) => {
    const project = read.string('GOOGLE_CLOUD_PROJECT', { pattern: PROJECT, description: 'a Google Cloud project id' });
    const resources = defaultResources(project || 'placeholder-project');
    const id = (name: string, fallback: string) => read.string(name, { default: fallback, pattern: BIGTABLE_ID, description: 'a Bigtable id' });
    return {
      project,
      sql: readSqlConnection(read, { database: resources.sql.database }),
      bigtable: {
        ...resources.bigtable,
        instance: id('BIGTABLE_INSTANCE', resources.bigtable.instance),
        txn: { ...resources.bigtable.txn, id: id('TXN_TABLE', resources.bigtable.txn.id) },
        summaries: { ...resources.bigtable.summaries, id: id('SUMMARY_TABLE', resources.bigtable.summaries.id) },
      },
      outputUri: read.string('OUTPUT_URI', { default: `gs://${resources.storage.bucket}/${resources.storage.summariesPrefix}` }),
      storageApiEndpoint: read.optionalString('STORAGE_API_ENDPOINT'),
    };
  });
}
