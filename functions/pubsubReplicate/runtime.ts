import {createBigtableClient} from '../../core/bigtable/client';
import type {Logger} from '../../core/log';
import {
  type ReplicationDeps,
  type ReplicationReport,
  replicateUnsent,
} from '../../core/replication/replicate';
import {
  type ReplicatedSignal,
  replicatedSignalMessage,
} from '../../core/pubsub/replicated-signal';
import {
  pubsubRestTarget,
  restTopicPublisher,
} from '../../core/pubsub/rest-publisher';
import {CachedSecrets, SecretManagerSecrets} from '../../core/secrets';
import {openSqlPool, type SqlPool} from '../../core/sql/connect';
import type {ReplicateConfig} from './config';

/**
 * The heavy half of pubsubReplicate (database driver, Bigtable client), bundled as its own file
 * (dist/pubsubReplicate/runtime.js) and loaded by the first event, so a cold start only compiles
 * the small entry.
 */
export interface Replicator {
  run(): Promise<ReplicationReport>;
}

/** The replication's dependencies from the config: the pool given, the tables it names. */
export function replicationDeps(
  config: ReplicateConfig,
  sql: SqlPool,
  log: Logger,
): ReplicationDeps {
  const instance = createBigtableClient({projectId: config.project}).instance(
    config.bigtable.instance,
  );
  return {
    sql,
    txnTable: instance.table(config.bigtable.txn.id),
    txnSchema: config.bigtable.txn,
    stateTable: instance.table(config.bigtable.state.id),
    stateSchema: config.bigtable.state,
    log,
  };
}

export async function buildRuntime(
  config: ReplicateConfig,
  log: Logger,
): Promise<Replicator> {
  const sql = await openSqlPool(config.sql, {
    secrets: () => new CachedSecrets(new SecretManagerSecrets(config.project)),
  });
  const deps = replicationDeps(config, sql, log);
  const publish = restTopicPublisher(
    pubsubRestTarget(),
    config.project,
    config.replicatedTopic,
    config.publishTimeoutMs,
  );
  const announce = (signal: ReplicatedSignal) =>
    publish(replicatedSignalMessage(signal));
  return {
    run: async () => {
      const report = await replicateUnsent(deps, config.options);
      if (report.span) {
        // Only a signal: the span is also recorded in pipeline_state, and the hourly sweep wakes
        // the publisher anyway, so a failed publish is logged, not retried by failing the event.
        const signal = {
          rows: report.replicated,
          firstOccurredAt: report.span.first,
          lastOccurredAt: report.span.last,
        };
        await announce(signal).catch((error: unknown) =>
          log.error(
            {err: error},
            'replicated signal not published: the sweep will wake the publisher',
          ),
        );
      }
      return report;
    },
  };
}
