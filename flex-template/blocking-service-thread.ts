/** The worker_thread side of blocking-client.ts: hosts the async service and answers calls. */
import {existsSync} from 'node:fs';
import {MessagePort, workerData} from 'node:worker_threads';
import {codeCachePath, loadWithCodeCache} from '../core/code-cache';
import {createLogger} from '../core/log';
import {
  DEAD_SLOT,
  isTransferred,
  SIGNAL_SLOT,
  type ServiceError,
  type ServiceReply,
  type ServiceRequest,
} from './blocking-client';

type Service = Record<string, (...args: unknown[]) => Promise<unknown>>;

const {serviceModule, init, port, state} = workerData as {
  serviceModule: string;
  init: unknown;
  port: MessagePort;
  state: SharedArrayBuffer;
};
const shared = new Int32Array(state);

function post(message: ServiceReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(shared, SIGNAL_SLOT, 1);
  Atomics.notify(shared, SIGNAL_SLOT);
}

function describe(err: unknown): ServiceError {
  if (err instanceof Error) {
    return {
      message: err.message,
      code: (err as {code?: unknown}).code,
      stack: err.stack,
    };
  }
  return {message: String(err)};
}

// An error nothing caught (a client's stream without an error listener, a throw in a timer) would
// end this thread and leave the caller waiting: say so to the caller first, then stop answering.
let dead = false;
function die(cause: ServiceError): void {
  if (dead) return;
  dead = true;
  Atomics.store(shared, DEAD_SLOT, 1);
  post({dead: cause});
  port.close();
}
process.on('uncaughtException', err => die(describe(err)));
process.on('unhandledRejection', err => die(describe(err)));
process.on('exit', code =>
  die({message: `the thread exited with code ${code}`}),
);

type ServiceModule = {createService(init: unknown): Service | Promise<Service>};
// A bundled service (dist/flex-template/io-service.js) comes with the V8 code cache the build made,
// under node-flags.json's flags: run under others (or another Node), V8 rejects it and the thread
// compiles the service from source, ~0.3 cpu-s more at every start.
const loadService = (): ServiceModule => {
  if (!existsSync(codeCachePath(serviceModule)))
    return require(serviceModule) as ServiceModule;
  const {exports, cache} = loadWithCodeCache(serviceModule);
  if (cache !== 'used')
    createLogger('flex-template').warn(
      {bundle: serviceModule, cache},
      `${serviceModule} compiled from source: its code cache was built for another Node or other V8 flags (run node with flex-template/node-flags.json's)`,
    );
  return exports as ServiceModule;
};
const servicePromise: Promise<Service> = Promise.resolve().then(() =>
  loadService().createService(init),
);
servicePromise.catch(() => undefined);

// Calls are answered one at a time: the caller is blocked until its reply anyway.
let queue = Promise.resolve();
port.on('message', (request: ServiceRequest) => {
  queue = queue.then(async () => {
    try {
      const service = await servicePromise;
      const fn = service[request.method];
      if (typeof fn !== 'function')
        throw new Error(`service has no method ${request.method}`);
      const value = await fn.apply(service, request.args);
      if (dead) return;
      if (isTransferred(value))
        post(
          {id: request.id, ok: true, value: value.transferredValue},
          value.transferList,
        );
      else post({id: request.id, ok: true, value});
    } catch (err) {
      if (!dead) post({id: request.id, ok: false, error: describe(err)});
    }
  });
});
