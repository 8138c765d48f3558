import * as functions from '@google-cloud/functions-framework';
import {functionEntry} from '../../core/function-entry';
import {answerGenerate} from '../../core/generation/http';
import {readGenerateConfig} from './config';

/**
 * httpGenerate: called hourly by Cloud Scheduler (POST). The clients, the pool and the generator
 * (./runtime, a separate bundle) are built on the first request and reused after it.
 */
const {config, log, runtime, inRequest} = functionEntry({
  name: 'httpGenerate',
  readConfig: readGenerateConfig,
  dir: __dirname,
  // A plain require, left as is by the bundler: nothing of the runtime is read or compiled before
  // the first request needs it.
  loadRuntime: (): typeof import('./runtime') => require('./runtime'),
});

functions.http('httpGenerate', (req, res) =>
  inRequest(req.headers, async () => {
    const answer = await answerGenerate(
      {
        method: req.method,
        headers: req.headers,
        query: req.query as Record<string, unknown>,
        rawBody: req.rawBody,
      },
      {limits: config.limits, log, resolve: runtime},
    );
    res.status(answer.status).json(answer.body);
  }),
);
