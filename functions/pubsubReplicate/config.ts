import {type Env, readConfig} from '../../core/config';
import type {ReplicationOptions} from '../../core/replication/replicate';
import {readFunctionProject} from '../../core/function-entry';
import {readBigtableNames} from '../../core/resource-config';
import type {Resources} from '../../core/resources';
import {
  type SqlConnection,
  readSqlConnection,
} from '../../core/sql/connection-config';

/** pubsubReplicate's configuration, read from the environment once when the instance starts. */
export interface ReplicateConfig {
  project: string;
  bigtable: Resources['bigtable'];
  /** Where a run that wrote rows announces their span (bigtableToAvro's trigger). */
  replicatedTopic: string;
  publishTimeoutMs: number;
  options: Omit<ReplicationOptions, 'now' | 'afterBigtableWrite'>;
  sql: SqlConnection;
}

export function readReplicateConfig(env: Env): ReplicateConfig {
  return readConfig(env, read => {
    const {project, resources} = readFunctionProject(read);
    // Each claimer holds a claim session of its own, so the pool defaults to one per claimer.
    const workers = read.integer('REPLICATE_WORKERS', {
      default: 8,
      min: 1,
      max: 32,
    });
    const sql = readSqlConnection(read, {
      database: resources.sql.database,
      poolSize: workers,
    });
    if (sql.limits.size < workers) {
      read.problems.push({
        variable: 'DB_POOL_SIZE',
        problem: `must be at least REPLICATE_WORKERS (${workers}): each claimer holds a connection, got ${sql.limits.size}`,
      });
    }
    return {
      project,
      bigtable: readBigtableNames(read, resources.bigtable),
      replicatedTopic: read.string('REPLICATED_TOPIC', {
        default: resources.pubsub.replicatedTopic,
      }),
      publishTimeoutMs: read.integer('PUBLISH_TIMEOUT_MS', {
        default: 30_000,
        min: 100,
        max: 600_000,
      }),
      options: {
        batchSize: read.integer('REPLICATE_BATCH_SIZE', {
          default: 1000,
          min: 1,
          max: 10_000,
        }),
        workers,
        writesInFlight: read.integer('BIGTABLE_WRITES_IN_FLIGHT', {
          default: 4,
          min: 1,
          max: 32,
        }),
        // Cloud Functions' event timeout is 540 s: stop claiming well before it.
        budgetMs: read.integer('REPLICATE_BUDGET_MS', {
          default: 420_000,
          min: 1000,
          max: 3_600_000,
        }),
        writeTimeoutMs: read.integer('BIGTABLE_WRITE_TIMEOUT_MS', {
          default: 60_000,
          min: 100,
          max: 600_000,
        }),
        watermark: {
          missedSlotMs:
            read.integer('WATERMARK_MISSED_SLOT_MINUTES', {
              default: 120,
              min: 0,
              max: 7 * 24 * 60,
            }) * 60_000,
          leaseTtlMs:
            read.integer('GENERATION_LEASE_TTL_MINUTES', {
              default: 60,
              min: 1,
              max: 24 * 60,
            }) * 60_000,
        },
      },
      sql,
    };
  });
}
