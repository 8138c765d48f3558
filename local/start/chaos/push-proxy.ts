import {type IncomingMessage, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {InjectedFault} from '../context';

export interface PushProxyOptions {
  /** Where a push goes on: the function's current address. */
  target: () => string;
  record: (fault: Omit<InjectedFault, 'at'>) => void;
  duplicateShare: number;
  delayShare: number;
  random?: () => number;
}

function body(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Between the Pub/Sub emulator's push subscription and pubsubReplicate: forwards each push, but
 * delivers a share of them twice (the second copy a moment after the first was answered, as
 * at-least-once delivery may) and holds a share back for a few seconds (late delivery).
 */
export async function startPushProxy(
  options: PushProxyOptions,
): Promise<{url: string; close(): Promise<void>}> {
  const random = options.random ?? Math.random;
  const forward = async (
    path: string,
    payload: Buffer,
    headers: Record<string, string>,
  ) => {
    const response = await fetch(`${options.target()}${path}`, {
      method: 'POST',
      headers,
      body: payload,
    });
    await response.arrayBuffer();
    return response.status;
  };
  const server = createServer((request, response) => {
    void (async () => {
      const payload = await body(request);
      const headers = {
        'content-type': String(
          request.headers['content-type'] ?? 'application/json',
        ),
      };
      const path = request.url ?? '/';
      const messageId = (() => {
        try {
          return String(
            (JSON.parse(payload.toString()) as {message?: {messageId?: string}})
              .message?.messageId ?? '?',
          );
        } catch {
          return '?';
        }
      })();
      const roll = random();
      if (roll < options.delayShare) {
        const ms = 1000 + Math.round(random() * 3000);
        options.record({
          kind: 'push-delayed',
          detail: `message ${messageId} held back ${ms} ms`,
        });
        await sleep(ms);
      }
      let status = 502;
      try {
        status = await forward(path, payload, headers);
      } catch {
        // The function is down (killed, restarting): Pub/Sub redelivers after a non-2xx.
      }
      response.writeHead(status).end();
      if (
        status < 300 &&
        roll >= options.delayShare &&
        roll < options.delayShare + options.duplicateShare
      ) {
        options.record({
          kind: 'push-duplicated',
          detail: `message ${messageId} delivered twice`,
        });
        await sleep(200 + Math.round(random() * 800));
        await forward(path, payload, headers).catch(() => undefined);
      }
    })().catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
