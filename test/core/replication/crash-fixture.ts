/**
 * Runs one replication in this process and kills it with SIGKILL right after the first Bigtable
 * write, before the flags and the SQL commit: a real crash (the database sees the connection die).
 * Configured like the function, from the environment.
 */
import {readReplicateConfig} from '../../../functions/pubsubReplicate/config';
import {replicationDeps} from '../../../functions/pubsubReplicate/runtime';
import {createLogger} from '../../../core/log';
import {replicateUnsent} from '../../../core/replication/replicate';
import {openSqlPool} from '../../../core/sql/connect';

async function main() {
  const config = readReplicateConfig(process.env);
  const sql = await openSqlPool(config.sql);
  await replicateUnsent(
    replicationDeps(config, sql, createLogger('crash-fixture')),
    {
      ...config.options,
      afterBigtableWrite: ids => {
        console.log(JSON.stringify({crashingAfter: ids.length}));
        process.kill(process.pid, 'SIGKILL');
        return new Promise(() => {});
      },
    },
  );
  console.log(JSON.stringify({unexpected: 'finished without crashing'}));
}

main().catch(error => {
  console.error(error);
  process.exit(2);
});
