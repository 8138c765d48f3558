import type {Logger} from '../log';
import {type GenerateDeps, PublishError, generateBatch} from './generate';
import {
  BadRequestError,
  type HttpInput,
  type RequestLimits,
  parseGenerateRequest,
} from './request';

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * httpGenerate's behaviour as status + JSON: 400 for anything wrong with the request (nothing is
 * written), 503 when the signal could not be published (the scheduler retries; the retry writes
 * nothing new), 500 for other failures, 200 with the batch otherwise.
 */
export async function answerGenerate(
  input: HttpInput,
  deps: {
    limits: RequestLimits;
    log: Logger;
    now?: () => Date;
    resolve: () => Promise<GenerateDeps>;
  },
): Promise<HttpAnswer> {
  let request;
  try {
    request = parseGenerateRequest(
      input,
      deps.now?.() ?? new Date(),
      deps.limits,
    );
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    deps.log.warn({field: error.field, reason: error.message}, 'bad request');
    return {
      status: 400,
      body: {error: 'bad_request', field: error.field, reason: error.message},
    };
  }
  try {
    const outcome = await generateBatch(await deps.resolve(), request);
    const {batch} = outcome;
    return {
      status: 200,
      body: {
        batchId: batch.batchId,
        created: outcome.created,
        rowCount: batch.rowCount,
        slotStart: batch.slotStart.toISOString(),
        firstOccurredAt: batch.firstOccurredAt?.toISOString() ?? null,
        lastOccurredAt: batch.lastOccurredAt?.toISOString() ?? null,
        messageId: outcome.messageId,
      },
    };
  } catch (error) {
    const publish = error instanceof PublishError;
    deps.log.error(
      {err: error, batchId: request.batchId},
      publish ? 'signal not published' : 'generation failed',
    );
    return {
      status: publish ? 503 : 500,
      // Database errors can name users and hosts: the details go to the log, not to the caller.
      body: {
        error: publish ? 'publish_failed' : 'internal',
        batchId: request.batchId,
        reason: publish
          ? 'the batch is stored; its signal was not published'
          : 'see the function logs',
      },
    };
  }
}
