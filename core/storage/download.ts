import type {EventEmitter} from 'node:events';
import {buffer} from 'node:stream/consumers';
import type {File} from '@google-cloud/storage';

// The client's `file.download()` (and `createReadStream()`) pipes each response body twice: into
// its hash validator, and (teeny-request) into the request stream it returns; with node-fetch's
// own pipe into the body, that is 11 `error` and 11 `close` listeners on that one stream, one past
// Node's default of 10, so every download printed two MaxListenersExceededWarning lines. The count
// is fixed per response (a new stream each time), not a leak: the limit of that stream is raised
// to fit, before either pipe is made (the client emits `response` on its stream first).
const RESPONSE_BODY_LISTENERS = 16;

/** The content of a Cloud Storage object, as `file.download()` gives it, without the warnings. */
export async function download(file: File): Promise<Buffer> {
  const stream = file.createReadStream();
  stream.once('response', (body: EventEmitter) =>
    body.setMaxListeners(RESPONSE_BODY_LISTENERS),
  );
  return buffer(stream);
}
