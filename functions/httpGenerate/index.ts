import * as functions from '@google-cloud/functions-framework';
import type { GenerateDeps } from '../../core/generation/generate';
import { answerGenerate } from '../../core/generation/http';
import { lazyInstance } from '../../core/lazy-instance';
import { createLogger } from '../../core/log';
import { readGenerateConfig } from './config';

/**
 * httpGenerate: called hourly by Cloud Scheduler (POST). Config is read when the instance starts;
 * the clients, the pool and the generator (./runtime, a separate bundle) are built on the first
 * request and reused after it.
 */
const config = readGenerateConfig(process.env);
const log = createLogger('httpGenerate');

/**
 * A plain require, left as is by the bundler (./runtime is external there and bundled on its own):
 * nothing of the runtime is read or compiled before the first request needs it.
 */
const loadRuntime = (): typeof import('./runtime') => require('./runtime');

const resolve: () => Promise<GenerateDeps> = lazyInstance(() => loadRuntime().buildDeps(config, log));

functions.http('httpGenerate', async (req, res) => {
  const answer = await answerGenerate(
    { method: req.method, headers: req.headers, query: req.query as Record<string, unknown>, rawBody: req.rawBody },
    { limits: config.limits, log, resolve },
  );
  res.status(answer.status).json(answer.body);
});
