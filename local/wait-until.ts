import pWaitFor from 'p-wait-for';
import {stopService, type ServiceProcess} from './service-process';

export class ServiceStartError extends Error {
  readonly code = 'SERVICE_START_FAILED';
  constructor(service: string, reason: string, logTail: string) {
    super(
      `${service} did not start: ${reason}${logTail ? `\n--- last lines of its log ---\n${logTail}` : ''}`,
    );
    this.name = 'ServiceStartError';
  }
}

/**
 * Poll `ready` until it resolves true. Fails early, with the service's log, if the process exits,
 * and after `timeoutMs` otherwise; a service that never became ready is stopped before the error
 * is thrown. Errors thrown by `ready` count as "not yet".
 */
export async function waitUntil(
  service: ServiceProcess,
  what: string,
  ready: () => Promise<boolean>,
  {timeoutMs = 30_000, intervalMs = 50} = {},
): Promise<void> {
  try {
    await poll(service, what, ready, timeoutMs, intervalMs);
  } catch (error) {
    await stopService(service, 0);
    throw error;
  }
}

async function poll(
  service: ServiceProcess,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs: number,
): Promise<void> {
  let lastError = '';
  await pWaitFor(
    async () => {
      if (service.hasExited()) {
        throw new ServiceStartError(
          service.name,
          `it exited (${await service.exited}) before ${what}`,
          service.logTail(),
        );
      }
      try {
        return await ready();
      } catch (error) {
        lastError = (error as Error).message;
        return false;
      }
    },
    {
      interval: intervalMs,
      timeout: {
        milliseconds: timeoutMs,
        fallback: () => {
          const reason = `no ${what} after ${timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ''}`;
          throw new ServiceStartError(service.name, reason, service.logTail());
        },
      },
    },
  );
}
