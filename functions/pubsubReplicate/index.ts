import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { MalformedSignalError } from '../../core/generation/signal';
import { createLogger } from '../../core/log';
import { signalFromEvent } from '../../core/replication/event';
import type { ReplicationDeps } from '../../core/replication/replicate';
import { readReplicateConfig } from './config';

/**
 * pubsubReplicate: behind an Eventarc Pub/Sub trigger on the generated-batches topic. The message
 * is only a signal; the work is whatever is unsent in Cloud SQL. Returning acknowledges; throwing
 * makes Pub/Sub redeliver (and, after maxDeliveryAttempts, dead-letter) the signal.
 */
const config = readReplicateConfig(process.env);
const log = createLogger('pubsubReplicate');
let deps: Promise<ReplicationDeps> | undefined;

async function build(): Promise<ReplicationDeps> {
  const [{ openSqlPool }, { CachedSecrets, SecretManagerSecrets }, { Bigtable }] = await Promise.all([
    import('../../core/sql/connect'),
    import('../../core/secrets'),
    import('@google-cloud/bigtable'),
  ]);
  const sql = await openSqlPool(config.sql, { secrets: () => new CachedSecrets(new SecretManagerSecrets(config.project)) });
  const instance = new Bigtable({ projectId: config.project }).instance(config.bigtable.instance);
  return {
    sql,
    txnTable: instance.table(config.bigtable.txn.id),
    txnSchema: config.bigtable.txn,
    stateTable: instance.table(config.bigtable.state.id),
    stateSchema: config.bigtable.state,
    log,
  };
}

function resolve(): Promise<ReplicationDeps> {
  deps ??= build().catch((error) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

functions.cloudEvent<unknown>('pubsubReplicate', async (event: CloudEvent<unknown>) => {
  let signal;
  try {
    signal = signalFromEvent(event);
  } catch (error) {
    if (!(error instanceof MalformedSignalError)) throw error;
    log.warn({ eventId: event.id, reason: error.message }, 'malformed event acknowledged without work');
    return;
  }
  log.info({ batchId: signal.signal.batchId, messageId: signal.messageId }, 'signal received');
  const { replicateUnsent } = await import('../../core/replication/replicate');
  await replicateUnsent(await resolve(), config.options);
});
