import {type Env, readConfig} from '../config';
import {readFunctionProject} from '../function-entry';
import {readBigtableNames} from '../resource-config';
import type {Resources} from '../resources';
import {type SqlConnection, readSqlConnection} from '../sql/connection-config';

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

export function readReconcileConfig(env: Env): ReconcileConfig {
  return readConfig(env, read => {
    const {project, resources} = readFunctionProject(read);
    return {
      project,
      sql: readSqlConnection(read, {database: resources.sql.database}),
      bigtable: readBigtableNames(read, resources.bigtable),
      outputUri: read.string('OUTPUT_URI', {
        default: `gs://${resources.storage.bucket}/${resources.storage.summariesPrefix}`,
      }),
      storageApiEndpoint: read.optionalString('STORAGE_API_ENDPOINT'),
    };
  });
}
