/**
 * Calls an async service from synchronous code (Beam TypeScript DoFns cannot await).
 *
 * The service lives in a worker_thread with its own event loop; a call posts a request, then blocks
 * the calling thread with Atomics.wait until the thread bumps a shared counter, and takes the reply
 * with receiveMessageOnPort (which does not need the caller's event loop). Every DoFn that needs a
 * Google client goes through this one module.
 *
 * The service module exports `createService(init)` returning (a promise of) an object whose methods
 * are async functions; `BlockingClient<S>` gives their synchronous twins (`client.service.m(...)`),
 * typed from S, so a call names a method the type checker ties to the service. Arguments and results
 * cross threads by structured clone, except the ArrayBuffers a call hands over: a caller's
 * (`client.transferring(buffers).m(...)`) and a result's (`transferred(value, buffers)` in the
 * service), which move to the other thread without a copy.
 *
 * The thread reports its own death (an uncaught error, an exit) on the port and in the shared state,
 * so a waiting call fails at once with the cause instead of waiting out its timeout, and every call
 * after it fails the same way.
 */
import {
  MessageChannel,
  MessagePort,
  type ResourceLimits,
  Worker,
  receiveMessageOnPort,
} from 'node:worker_threads';
import {existsSync} from 'node:fs';
import * as path from 'node:path';

export interface ServiceRequest {
  id: number;
  method: string;
  args: unknown[];
}

export type ServiceError = {message: string; code?: unknown; stack?: string};

export type ServiceReply =
  | {id: number; ok: true; value: unknown}
  | {id: number; ok: false; error: ServiceError}
  | {dead: ServiceError};

/**
 * A service result whose ArrayBuffers move to the caller instead of being copied (the service
 * must not touch them afterwards). Recognized by its field name: the thread and the service are
 * separate bundles, so a class would not be the same class in both.
 */
export interface Transferred<T> {
  readonly transferredValue: T;
  readonly transferList: ArrayBuffer[];
}

export function transferred<T>(
  value: T,
  transferList: ArrayBuffer[],
): Transferred<T> {
  return {transferredValue: value, transferList};
}

export function isTransferred(value: unknown): value is Transferred<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    'transferredValue' in value &&
    'transferList' in value
  );
}

/** The shared state: [0] bumped by the thread after each message it posts, [1] set to 1 when it died. */
export const SIGNAL_SLOT = 0;
export const DEAD_SLOT = 1;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AsyncMethods = Record<string, (...args: any[]) => Promise<unknown>>;

/** The synchronous face of an async service. */
export type Blocking<S> = {
  [K in keyof S]: S[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => R extends Transferred<infer T> ? T : R
    : never;
};

export interface BlockingClientOptions {
  /** How long one call may block before it fails. */
  timeoutMs?: number;
  /** The thread's own module (blocking-service-thread beside this file, .ts from source, .js in a bundle). */
  threadModule?: string;
  /** The thread's V8 heap limits (its young generation, say); V8's own sizing where unset. */
  resourceLimits?: ResourceLimits;
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

/** The service thread died: no call can be answered any more. */
export class ServiceThreadDeadError extends BlockingCallError {
  static readonly CODE = 'FLEX_IO_THREAD_DEAD';
  constructor(method: string, cause: ServiceError) {
    super(
      method,
      `the I/O thread died: ${cause.message}${cause.stack ? `\n${cause.stack}` : ''}`,
      ServiceThreadDeadError.CODE,
    );
    this.name = 'ServiceThreadDeadError';
  }
}

export class BlockingClient<S extends AsyncMethods = AsyncMethods> {
  /** `service.m(...args)` runs `m` on the service thread and returns its result synchronously. */
  readonly service: Blocking<S>;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly state: Int32Array;
  private readonly timeoutMs: number;
  private nextId = 0;
  private closed = false;
  private deadCause: ServiceError | undefined;

  /** `serviceModule` is an absolute path (or package name) resolvable from the worker thread. */
  constructor(
    serviceModule: string,
    init: unknown,
    options: BlockingClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 300_000;
    const shared = new SharedArrayBuffer(8);
    this.state = new Int32Array(shared);
    const {port1, port2} = new MessageChannel();
    this.port = port1;
    const threadModule =
      options.threadModule ??
      path.join(
        __dirname,
        `blocking-service-thread${path.extname(__filename)}`,
      );
    // A thread file that is not there (left out of a bundle) fails in the thread, in an error event
    // a caller blocked in Atomics.wait never sees: it would wait out its whole timeout.
    if (!existsSync(threadModule))
      throw new BlockingCallError(
        'start',
        `the thread module ${threadModule} does not exist`,
        ServiceThreadDeadError.CODE,
      );
    this.worker = new Worker(threadModule, {
      workerData: {serviceModule, init, port: port2, state: shared},
      transferList: [port2],
      resourceLimits: options.resourceLimits,
    });
    // The thread must not keep a finished process (or a Beam worker) alive.
    this.worker.unref();
    this.port.unref();
    // Seen when the caller's event loop runs between calls; during a call the shared state tells.
    this.worker.on(
      'error',
      (err: Error) =>
        (this.deadCause ??= {message: err.message, stack: err.stack}),
    );
    this.worker.on('exit', code => {
      if (!this.closed)
        this.deadCause ??= {message: `the thread exited with code ${code}`};
    });
    this.service = this.facade([]);
  }

  /**
   * The service's synchronous face, for one call that hands `buffers` over to the thread: they
   * move without a copy and are detached here (empty) once the call is posted.
   */
  transferring(buffers: ArrayBuffer[]): Blocking<S> {
    return this.facade(buffers);
  }

  private facade(transfer: ArrayBuffer[]): Blocking<S> {
    return new Proxy({} as Blocking<S>, {
      get: (_, method) =>
        typeof method === 'string'
          ? (...args: unknown[]) => this.call(method, args, transfer)
          : undefined,
    });
  }

  private call(
    method: string,
    args: unknown[],
    transfer: ArrayBuffer[] = [],
  ): unknown {
    if (this.closed) throw new BlockingCallError(method, 'client is closed');
    this.takeDeath();
    if (this.deadCause)
      throw new ServiceThreadDeadError(method, this.deadCause);
    const id = ++this.nextId;
    let seen = Atomics.load(this.state, SIGNAL_SLOT);
    this.port.postMessage(
      {id, method, args} satisfies ServiceRequest,
      transfer,
    );
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received) {
        const reply = received.message as ServiceReply;
        if ('dead' in reply) {
          this.deadCause = reply.dead;
          throw new ServiceThreadDeadError(method, reply.dead);
        }
        if (reply.id !== id) continue; // a late reply to a call that timed out
        if (reply.ok) return reply.value;
        throw new BlockingCallError(
          method,
          reply.error.message,
          reply.error.code,
        );
      }
      if (Atomics.load(this.state, DEAD_SLOT) === 1) {
        // Died without a word on the port (it posts its cause first when it can).
        this.deadCause ??= {message: 'the thread stopped'};
        throw new ServiceThreadDeadError(method, this.deadCause);
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new BlockingCallError(
          method,
          `no reply within ${this.timeoutMs} ms`,
        );
      // Sleeps until the thread posts again (the counter moves) or the deadline: never spins.
      Atomics.wait(this.state, SIGNAL_SLOT, seen, left);
      seen = Atomics.load(this.state, SIGNAL_SLOT);
    }
  }

  /**
   * Starts `method` on the thread and returns at once (a warm-up while the caller does other work).
   * Its reply, a failure included, is passed over by the next call, which the thread answers after
   * it: a failing warm-up only shows as the same failure of the call that needs it.
   */
  send<K extends keyof S & string>(method: K, ...args: Parameters<S[K]>): void {
    if (this.closed) throw new BlockingCallError(method, 'client is closed');
    this.takeDeath();
    if (this.deadCause)
      throw new ServiceThreadDeadError(method, this.deadCause);
    this.port.postMessage({
      id: ++this.nextId,
      method,
      args,
    } satisfies ServiceRequest);
  }

  /** A death message left on the port by the thread since the last call. */
  private takeDeath(): void {
    if (this.deadCause || Atomics.load(this.state, DEAD_SLOT) !== 1) return;
    for (
      let m = receiveMessageOnPort(this.port);
      m;
      m = receiveMessageOnPort(this.port)
    ) {
      const reply = m.message as ServiceReply;
      if ('dead' in reply) this.deadCause = reply.dead;
    }
    this.deadCause ??= {message: 'the thread stopped'};
  }

  /** The thread died (known from an earlier call or event): every call fails. */
  get dead(): boolean {
    this.takeDeath();
    return this.deadCause !== undefined;
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
 * A client whose thread died is replaced: the bundle it failed is retried with a fresh thread.
 */
export function sharedBlockingClient<S extends AsyncMethods>(
  serviceModule: string,
  init: unknown,
  options?: BlockingClientOptions,
): BlockingClient<S> {
  const key = `${serviceModule}\n${JSON.stringify(init)}`;
  let client = shared.get(key);
  if (!client || client.dead) {
    client?.close();
    client = new BlockingClient(serviceModule, init, options);
    shared.set(key, client);
  }
  return client as unknown as BlockingClient<S>;
}

export function closeSharedBlockingClients(): void {
  for (const client of shared.values()) client.close();
  shared.clear();
}
