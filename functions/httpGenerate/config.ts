import {type Env, readConfig} from '../../core/config';
import type {RequestLimits} from '../../core/generation/request';
import {readFunctionProject} from '../../core/function-entry';
import {readBigtableNames} from '../../core/resource-config';
import type {Resources} from '../../core/resources';
import {
  type SqlConnection,
  readSqlConnection,
} from '../../core/sql/connection-config';

/** httpGenerate's configuration, read from the environment once when the instance starts. */
export interface GenerateConfig {
  project: string;
  generatedTopic: string;
  publishTimeoutMs: number;
  limits: RequestLimits;
  sql: SqlConnection;
  /** The instance and pipeline_state table whose watermark a generation lowers to its slot. */
  bigtable: Pick<Resources['bigtable'], 'instance' | 'state'>;
}

export function readGenerateConfig(env: Env): GenerateConfig {
  return readConfig(env, read => {
    const {project, resources} = readFunctionProject(read);
    const {instance, state} = readBigtableNames(read, resources.bigtable);
    const maxCount = read.integer('GENERATE_MAX_COUNT', {
      default: 10_000,
      min: 1,
      max: 10_000,
    });
    return {
      project,
      generatedTopic: read.string('GENERATED_TOPIC', {
        default: resources.pubsub.generatedTopic,
      }),
      publishTimeoutMs: read.integer('PUBLISH_TIMEOUT_MS', {
        default: 30_000,
        min: 100,
        max: 600_000,
      }),
      limits: {
        defaultCount: read.integer('GENERATE_DEFAULT_COUNT', {
          default: Math.min(1000, maxCount),
          min: 1,
          max: maxCount,
        }),
        maxCount,
        maxBodyBytes: 4096,
      },
      sql: readSqlConnection(read, {database: resources.sql.database}),
      bigtable: {instance, state},
    };
  });
}
