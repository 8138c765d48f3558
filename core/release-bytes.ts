/**
 * Gives the memory under `view` back now instead of when the garbage collector next finds its
 * ArrayBuffer dead. V8 collects an ArrayBuffer's memory only with the object that owns it, and lets
 * up to 64 MB of such memory wait for a full collection: a loop that makes a buffer a request
 * holds tens of MB of dead ones (bench/README.md, flex-load-memory).
 *
 * Only when `view` spans its whole ArrayBuffer (a Buffer.allocUnsafe of 4 KB or more, a file read,
 * a transferred buffer), never a slice of Node's shared pool. The view and every other view of the
 * same memory are empty afterwards: call it only when nothing reads them again.
 */
export function releaseBytes(view: ArrayBufferView): void {
  const buffer = view.buffer;
  if (
    buffer instanceof ArrayBuffer &&
    !buffer.detached &&
    view.byteOffset === 0 &&
    view.byteLength === buffer.byteLength
  )
    buffer.transfer(0);
}
