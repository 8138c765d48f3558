import * as functions from '@google-cloud/functions-framework';
import type { GenerateDeps } from '../../core/generation/generate';
import { answerGenerate } from '../../core/generation/http';
import { createLogger } from '../../core/log';
import { readGenerateConfig } from './config';

/**
 * httpGenerate: called hourly by Cloud Scheduler (POST). Config is read when the instance starts;
 * the clients, the pool and the generator are built on the first request and reused after it.
 */
const config = readGenerateConfig(process.env);
const log = createLogger('httpGenerate');
let deps: Promise<GenerateDeps> | undefined;

async function build(): Promise<GenerateDeps> {
  const [{ openSqlPool }, { CachedSecrets, SecretManagerSecrets }, { loadGenerator }, { PubSub }, { topicPublisher }] = await Promise.all([
    import('../../core/sql/connect'),
    import('../../core/secrets'),
    import('../../core/generation/generator'),
    import('@google-cloud/pubsub'),
    import('../../core/generation/topic-publisher'),
  ]);
  const [sql, generator] = await Promise.all([
    openSqlPool(config.sql, { secrets: () => new CachedSecrets(new SecretManagerSecrets(config.project)) }),
    loadGenerator(),
  ]);
  const publisher = topicPublisher(new PubSub({ projectId: config.project }), config.generatedTopic, config.publishTimeoutMs);
  return { sql, generator, publisher, log };
}

function resolve(): Promise<GenerateDeps> {
  deps ??= build().catch((error) => {
    deps = undefined; // the next request tries again
    throw error;
  });
  return deps;
}

functions.http('httpGenerate', async (req, res) => {
  const answer = await answerGenerate(
    { method: req.method, headers: req.headers, query: req.query as Record<string, unknown>, rawBody: req.rawBody },
    { limits: config.limits, log, resolve },
  );
  res.status(answer.status).json(answer.body);
});
