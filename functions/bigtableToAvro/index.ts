import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { lazyInstance } from '../../core/lazy-instance';
import { createLogger } from '../../core/log';
import { decodeReplicatedSignal } from '../../core/pubsub/replicated-signal';
import { readAvroPublishConfig } from './config';
import type { AvroPublisher } from './runtime';

/**
 * bigtableToAvro: behind an Eventarc Pub/Sub trigger on the replicated topic (pubsubReplicate's
 * signals and the hourly sweep). Every message means "publish what is new"; what is new is read
 * from Bigtable. Returning acknowledges; throwing makes Pub/Sub redeliver.
 */
const config = readAvroPublishConfig(process.env);
const log = createLogger('bigtableToAvro');

/** A plain require, left as is by the bundler (./runtime is external there and bundled on its own). */
const loadRuntime = (): typeof import('./runtime') => require('./runtime');

const resolve: () => Promise<AvroPublisher> = lazyInstance(() => loadRuntime().buildAvroPublisher(config, log));

functions.cloudEvent<unknown>('bigtableToAvro', async (event: CloudEvent<unknown>) => {
  const message = (event.data as { message?: { data?: unknown; messageId?: unknown } } | undefined)?.message;
  const signal = typeof message?.data === 'string' ? decodeReplicatedSignal(Buffer.from(message.data, 'base64')) : undefined;
  log.info(
    { messageId: message?.messageId ?? event.id, span: signal ? { first: signal.firstOccurredAt, last: signal.lastOccurredAt, rows: signal.rows } : 'sweep' },
    'signal received',
  );
  const report = await (await resolve()).run();
  if (report.quarantined.length > 0) log.error({ quarantined: report.quarantined.length }, 'rows quarantined in this run: see the quarantine records');
});
