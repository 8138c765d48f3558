/**
 * The pipeline's I/O thread: io-service (the Google clients) behind the blocking client, one per
 * process. main.ts starts it before it requires apache-beam, so the thread loads the clients while
 * the main thread loads Beam; the DoFns then find it started.
 */
import * as path from 'node:path';
import {sharedBlockingClient, type BlockingClient} from './blocking-client';
import type {IoService} from './io-service';

// Beside this file: io-service.ts from source, io-service.js in the bundle (its own entry).
const IO_SERVICE = path.join(
  __dirname,
  `io-service${path.extname(__filename)}`,
);

export function ioThread(): BlockingClient<IoService> {
  return sharedBlockingClient<IoService>(IO_SERVICE, null);
}
