/** The worker_thread side of blocking-client.ts: hosts the async service and answers calls. */
import { MessagePort, workerData } from 'node:worker_threads';
import type { ServiceReply, ServiceRequest } from './blocking-client';

type Service = Record<string, (...args: unknown[]) => Promise<unknown>>;

const { serviceModule, init, port, flag } = workerData as {
  serviceModule: string;
  init: unknown;
  port: MessagePort;
  flag: SharedArrayBuffer;
};
const signal = new Int32Array(flag);

function reply(message: ServiceReply): void {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function describe(err: unknown): { message: string; code?: unknown; stack?: string } {
  if (err instanceof Error) {
    return { message: err.message, code: (err as { code?: unknown }).code, stack: err.stack };
  }
  return { message: String(err) };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const servicePromise: Promise<Service> = Promise.resolve().then(() => require(serviceModule).createService(init));
servicePromise.catch(() => undefined);

// Calls are answered one at a time: the caller is blocked until its reply anyway.
let queue = Promise.resolve();
port.on('message', (request: ServiceRequest) => {
  queue = queue.then(async () => {
    try {
      const service = await servicePromise;
      const fn = service[request.method];
      if (typeof fn !== 'function') throw new Error(`service has no method ${request.method}`);
      reply({ id: request.id, ok: true, value: await fn.apply(service, request.args) });
    } catch (err) {
      reply({ id: request.id, ok: false, error: describe(err) });
    }
  });
});
