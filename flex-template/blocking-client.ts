/**
 * Calls an async service from synchronous code (Beam TypeScript DoFns cannot await).
 *
 * The service lives in a worker_thread with its own event loop; a call posts a request, then blocks
 * the calling thread with Atomics.wait until the thread flips a shared flag, and takes the reply with
 * receiveMessageOnPort (which does not need the caller's event loop). Every DoFn that needs a Google
 * client goes through this one module.
 *
 * The service module must export `createService(init)` returning (a promise of) an object whose
 * methods are async functions. Arguments and results cross threads by structured clone.
 */
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import * as path from 'node:path';

export interface ServiceRequest {
  id: number;
  method: string;
  args: unknown[];
}

export type ServiceReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { message: string; code?: unknown; stack?: string } };

export interface BlockingClientOptions {
  /** How long one call may block before it fails. */
  timeoutMs?: number;
}

export class BlockingCallError extends Error {
  constructor(
    readonly method: string,
    message: string,
    readonly code?: unknown,
  ) {
    super(`${method}: ${message}`);
    this.name = 'BlockingCallError';
  }
}

const FLAG_IDLE = 0;

export class BlockingClient {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private readonly timeoutMs: number;
  private nextId = 0;
  private closed = false;

  /** `serviceModule` is an absolute path (or package name) resolvable from the worker thread. */
  constructor(serviceModule: string, init: unknown, options: BlockingClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 300_000;
    const shared = new SharedArrayBuffer(4);
    this.flag = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(path.join(__dirname, 'blocking-service-thread.ts'), {
      workerData: { serviceModule, init, port: port2, flag: shared },
      transferList: [port2],
    });
    // The thread must not keep a finished process (or a Beam worker) alive.
    this.worker.unref();
    this.port.unref();
    this.worker.on('error', () => {
      /* surfaced to the caller by the next call timing out or by the reply */
    });
  }

  /** Runs `service[method](...args)` on the service thread and returns its result synchronously. */
  call<T>(method: string, ...args: unknown[]): T {
    if (this.closed) throw new BlockingCallError(method, 'client is closed');
    const id = ++this.nextId;
    Atomics.store(this.flag, 0, FLAG_IDLE);
    this.port.postMessage({ id, method, args } satisfies ServiceRequest);
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new BlockingCallError(method, `no reply within ${this.timeoutMs} ms`);
      Atomics.wait(this.flag, 0, FLAG_IDLE, left);
      const received = receiveMessageOnPort(this.port);
      if (!received) continue;
      const reply = received.message as ServiceReply;
      if (reply.id !== id) continue; // a late reply to a call that timed out
      if (reply.ok) return reply.value as T;
      throw new BlockingCallError(method, reply.error.message, reply.error.code);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }
}

const shared = new Map<string, BlockingClient>();

/**
 * One client per (module, init) per process: DoFns have no setup/teardown hooks, and a Beam worker
 * deserializes a DoFn many times, so clients are cached here instead of being built per bundle.
 */
export function sharedBlockingClient(serviceModule: string, init: unknown, options?: BlockingClientOptions): BlockingClient {
  const key = `${serviceModule}\n${JSON.stringify(init)}`;
  let client = shared.get(key);
  if (!client) {
    client = new BlockingClient(serviceModule, init, options);
    shared.set(key, client);
  }
  return client;
}

export function closeSharedBlockingClients(): void {
  for (const client of shared.values()) client.close();
  shared.clear();
}
