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

/**
 * The thread's heap limits, its own whatever flags node runs with (node-flags.ts says why the
 * main thread's are what they are). What the thread holds at once is bounded (reads ahead,
 * requests waiting and in flight, ~20 MB), but by V8's own sizing its young generation grows each
 * time enough has survived, and with the 4 GB limit a large machine gets its old generation may
 * grow to 4x what the last full collection kept: the heap grew with the length of the run
 * (bench/README.md, flex-load-memory). 1 GB is about V8's own limit on a 4 GB worker.
 */
export const IO_THREAD_YOUNG_GENERATION_MB = 8;
export const IO_THREAD_OLD_GENERATION_MB = 1024;

export function ioThread(): BlockingClient<IoService> {
  return sharedBlockingClient<IoService>(IO_SERVICE, null, {
    resourceLimits: {
      maxYoungGenerationSizeMb: IO_THREAD_YOUNG_GENERATION_MB,
      maxOldGenerationSizeMb: IO_THREAD_OLD_GENERATION_MB,
    },
  });
}
