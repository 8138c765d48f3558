/**
 * Runs one replication in this process and kills it with SIGKILL right after the first Bigtable
 * write, before the flags and the SQL commit: a real crash (the database sees the connection die).
 * Configured like the function, from the environment.
 */
import { createBigtableClient } from '../../../core/bigtable/client';
import { readReplicateConfig } from '../../../functions/pubsubReplicate/config';
import { createLogger } from '../../../core/log';
import { replicateUnsent } from '../../../core/replication/replicate';
import { openSqlPool } from '../../../core/sql/connect';

async function main() {
  const config = readReplicateConfig(process.env);
  const sql = await openSqlPool(config.sql);
  const instance = createBigtableClient({ projectId: config.project }).instance(config.bigtable.instance);
  await replicateUnsent(
    {
      sql,
      txnTable: instance.table(config.bigtable.txn.id),
      txnSchema: config.bigtable.txn,
      stateTable: instance.table(config.bigtable.state.id),
      stateSchema: config.bigtable.state,
      log: createLogger('crash-fixture'),
    },
    {
      ...config.options,
      afterBigtableWrite: (ids) => {
        console.log(JSON.stringify({ crashingAfter: ids.length }));
        process.kill(process.pid, 'SIGKILL');
        return new Promise(() => {});
      },
    },
  );
  console.log(JSON.stringify({ unexpected: 'finished without crashing' }));
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
