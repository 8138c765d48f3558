import * as functions from '@google-cloud/functions-framework';
import type {CloudEvent} from '@google-cloud/functions-framework';
import {functionEntry} from '../../core/function-entry';
import {MalformedSignalError} from '../../core/pubsub/batch-signal';
import {signalFromEvent} from '../../core/pubsub/cloud-event';
import {readReplicateConfig} from './config';

/**
 * pubsubReplicate: behind an Eventarc Pub/Sub trigger on the generated-batches topic. The message
 * is only a signal; the work is whatever is unsent in Cloud SQL. Returning acknowledges; throwing
 * makes Pub/Sub redeliver (and, after maxDeliveryAttempts, dead-letter) the signal. The pool and
 * clients (./runtime, a separate bundle) are built by the first event and reused after it.
 */
const {log, runtime, inRequest} = functionEntry({
  name: 'pubsubReplicate',
  readConfig: readReplicateConfig,
  dir: __dirname,
  // A plain require, left as is by the bundler: nothing of the runtime is read or compiled before
  // the first event needs it.
  loadRuntime: (): typeof import('./runtime') => require('./runtime'),
});

// The framework copies the request's traceparent header into the event (as Eventarc's extension).
functions.cloudEvent<unknown>('pubsubReplicate', (event: CloudEvent<unknown>) =>
  inRequest({traceparent: event.traceparent}, async () => {
    let signal;
    try {
      signal = signalFromEvent(event);
    } catch (error) {
      if (!(error instanceof MalformedSignalError)) throw error;
      log.warn(
        {eventId: event.id, reason: error.message},
        'malformed event acknowledged without work',
      );
      return;
    }
    log.info(
      {batchId: signal.signal.batchId, messageId: signal.messageId},
      'signal received',
    );
    await (await runtime()).run();
  }),
);
