import { type Env, readConfig } from '../../core/config';
import type { RequestLimits } from '../../core/generation/request';
import { type Resources, defaultResources } from '../../core/resources';
import { type SqlConnection, readSqlConnection } from '../../core/sql/connection-config';

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

const PROJECT = /^[a-z][a-z0-9-]{4,61}[a-z0-9]$/;
const BIGTABLE_ID = /^[A-Za-z0-9_.-]{1,50}$/;

export function readGenerateConfig(env: Env): GenerateConfig {
  return readConfig(env, (read) => {
    const project = read.string('GOOGLE_CLOUD_PROJECT', { pattern: PROJECT, description: 'a Google Cloud project id' });
    const resources = defaultResources(project || 'placeholder-project');
    const id = (name: string, fallback: string) => read.string(name, { default: fallback, pattern: BIGTABLE_ID, description: 'a Bigtable id' });
    const maxCount = read.integer('GENERATE_MAX_COUNT', { default: 10_000, min: 1, max: 10_000 });
    return {
      project,
      generatedTopic: read.string('GENERATED_TOPIC', { default: resources.pubsub.generatedTopic }),
      publishTimeoutMs: read.integer('PUBLISH_TIMEOUT_MS', { default: 30_000, min: 100, max: 600_000 }),
      limits: {
        defaultCount: read.integer('GENERATE_DEFAULT_COUNT', { default: Math.min(1000, maxCount), min: 1, max: maxCount }),
        maxCount,
        maxBodyBytes: 4096,
      },
      sql: readSqlConnection(read, { database: resources.sql.database }),
      bigtable: {
        instance: id('BIGTABLE_INSTANCE', resources.bigtable.instance),
        state: { ...resources.bigtable.state, id: id('STATE_TABLE', resources.bigtable.state.id) },
      },
    };
  });
}
