import {createBigtableClient} from '../../core/bigtable/client';
import type {GenerateDeps} from '../../core/generation/generate';
import {loadGenerator} from '../../core/generation/generator';
import {pubsubRestTarget} from '../../core/pubsub/rest-publisher';
import {topicPublisher} from '../../core/pubsub/topic-publisher';
import type {Logger} from '../../core/log';
import {CachedSecrets, SecretManagerSecrets} from '../../core/secrets';
import {openSqlPool} from '../../core/sql/connect';
import type {GenerateConfig} from './config';

/**
 * The heavy half of httpGenerate (database driver, Cloud clients, Faker), bundled as its own file
 * (dist/httpGenerate/runtime.js) and loaded by the first request, so a cold start only compiles
 * the small entry.
 */
export async function buildRuntime(
  config: GenerateConfig,
  log: Logger,
): Promise<GenerateDeps> {
  const [sql, generator] = await Promise.all([
    openSqlPool(config.sql, {
      secrets: () =>
        new CachedSecrets(new SecretManagerSecrets(config.project)),
    }),
    loadGenerator(),
  ]);
  const publisher = topicPublisher(
    pubsubRestTarget(),
    config.project,
    config.generatedTopic,
    config.publishTimeoutMs,
  );
  const state = createBigtableClient({projectId: config.project})
    .instance(config.bigtable.instance)
    .table(config.bigtable.state.id);
  return {
    sql,
    generator,
    publisher,
    stateTable: state,
    stateSchema: config.bigtable.state,
    log,
  };
}
