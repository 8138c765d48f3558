import type {Table} from '@google-cloud/bigtable';
import type {Logger} from '../log';
import type {StateTableSchema} from '../resources';
import type {SqlPool} from '../sql/connect';
import {type BatchSummary, insertBatch} from '../sql/generation-batches';
import {
  closeGenerationLease,
  openGenerationLease,
} from '../sql/generation-leases';
import type {Generator} from './generator';
import type {GenerateRequest} from './request';
import {dayOf} from '../day';
import {markDayChanged} from '../bigtable/day-changes';
import {lowerWatermark} from '../bigtable/pipeline-state';
import type {SignalPublisher} from '../pubsub/topic-publisher';

export class PublishError extends Error {
  readonly code = 'SIGNAL_NOT_PUBLISHED';
}

export interface GenerateDeps {
  sql: SqlPool;
  generator: Generator;
  publisher: SignalPublisher;
  /** pipeline_state: the watermark is lowered to the slot before the slot's rows can commit. */
  stateTable: Table;
  stateSchema: StateTableSchema;
  log: Logger;
}

export interface GenerateOutcome {
  /** False for a retry of a batch that was already committed: nothing new was written. */
  created: boolean;
  batch: BatchSummary;
  messageId: string;
}

/**
 * Generate, commit, then signal. The signal goes out only after the commit, and goes out again on
 * every retry of a committed batch, so a publish that failed is repaired by the retry it causes.
 */
export async function generateBatch(
  deps: GenerateDeps,
  request: GenerateRequest,
): Promise<GenerateOutcome> {
  const transactions = deps.generator.generate(request);
  const leaseId = await openGenerationLease(
    deps.sql,
    request.batchId,
    request.slotStart,
  );
  let result;
  try {
    // After the lease (which stops any replicator from raising the watermark past the slot again)
    // and before the rows: the stored watermark never claims a time that these rows lie behind, so the daily
    // job cannot summarize the slot's day short, backfill or not.
    // The day is marked changed in the same step, so a summary written before these rows arrive
    // is read again and restated once they are replicated.
    await markDayChanged(
      deps.stateTable,
      deps.stateSchema,
      dayOf(request.slotStart),
      request.batchId,
    );
    const lowered = await lowerWatermark(
      deps.stateTable,
      deps.stateSchema,
      request.slotStart,
    );
    if (lowered)
      deps.log.info(
        {
          batchId: request.batchId,
          from: lowered.toISOString(),
          to: request.slotStart.toISOString(),
        },
        'watermark lowered for a backfill',
      );
    result = await insertBatch(deps.sql, {
      batchId: request.batchId,
      slotStart: request.slotStart,
      transactions,
      leaseId,
    });
  } finally {
    // After a commit the lease is already gone (deleted in the same transaction); otherwise drop it
    // now. Best effort: an orphaned lease only holds the watermark until its time to live, and a
    // failure here must not hide the error that brought us here.
    if (!result?.created) {
      await closeGenerationLease(deps.sql, leaseId).catch(error =>
        deps.log.warn({err: error, leaseId}, 'lease left to expire'),
      );
    }
  }
  const {batch, created} = result;
  deps.log.info(
    {batchId: batch.batchId, rowCount: batch.rowCount, created},
    created ? 'batch committed' : 'batch already committed: re-signalling',
  );
  let messageId: string;
  try {
    messageId = await deps.publisher.publish({...batch});
  } catch (error) {
    throw new PublishError(
      `batch ${batch.batchId} is committed but its signal was not published: ${(error as Error).message}`,
      {cause: error},
    );
  }
  return {created, batch, messageId};
}
