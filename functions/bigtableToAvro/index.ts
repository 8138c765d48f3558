import * as functions from '@google-cloud/functions-framework';
import type {CloudEvent} from '@google-cloud/functions-framework';
import {functionEntry} from '../../core/function-entry';
import {decodeReplicatedSignal} from '../../core/pubsub/replicated-signal';
import {readAvroPublishConfig} from './config';

/**
 * bigtableToAvro: behind an Eventarc Pub/Sub trigger on the replicated topic (pubsubReplicate's
 * signals and the hourly sweep). Every message means "publish what is new"; what is new is read
 * from Bigtable. Returning acknowledges; throwing makes Pub/Sub redeliver. The clients and the
 * topic's schema (./runtime, a separate bundle) are read by the first event and reused after it.
 */
const {log, runtime, inRequest} = functionEntry({
  name: 'bigtableToAvro',
  readConfig: readAvroPublishConfig,
  dir: __dirname,
  // A plain require, left as is by the bundler: nothing of the runtime is read or compiled before
  // the first event needs it.
  loadRuntime: (): typeof import('./runtime') => require('./runtime'),
});

// The framework copies the request's traceparent header into the event (as Eventarc's extension).
functions.cloudEvent<unknown>('bigtableToAvro', (event: CloudEvent<unknown>) =>
  inRequest({traceparent: event.traceparent}, async () => {
    const message = (
      event.data as
        {message?: {data?: unknown; messageId?: unknown}} | undefined
    )?.message;
    const signal =
      typeof message?.data === 'string'
        ? decodeReplicatedSignal(Buffer.from(message.data, 'base64'))
        : undefined;
    log.info(
      {
        messageId: message?.messageId ?? event.id,
        span: signal
          ? {
              first: signal.firstOccurredAt,
              last: signal.lastOccurredAt,
              rows: signal.rows,
            }
          : 'sweep',
      },
      'signal received',
    );
    const report = await (await runtime()).run();
    if (report.quarantined.length > 0)
      log.error(
        {quarantined: report.quarantined.length},
        'rows quarantined in this run: see the quarantine records',
      );
  }),
);
