import pRetry, {AbortError} from 'p-retry';
import {HOUR_MS} from '../../../core/time';
import type {Phase} from '../phase';
import {hoursOf} from '../simulated-days';

const IN_FLIGHT = 3;
const ATTEMPTS = 8;

/**
 * Cloud Scheduler's hourly runs for every hour of the days: a POST to httpGenerate with the
 * `X-CloudScheduler-ScheduleTime` of the run (the hour after the slot it generates) and the job's
 * body `{"count": N}`. A failed run is retried with backoff, as the scheduler's retry settings do.
 */
export const generatePhase: Phase = {
  name: 'generate',
  unit: 'transactions',
  async run(context, progress) {
    const hours = hoursOf(context.days);
    progress.total(hours.length * context.options.perHour);
    let rows = 0;
    let next = 0;
    const worker = async () => {
      while (next < hours.length) {
        const slot = hours[next++]!;
        const body = await scheduledRun(
          () => context.functions.httpGenerate!.url,
          new Date(slot.getTime() + HOUR_MS),
          context.options.perHour,
        );
        if (body.slotStart !== slot.toISOString())
          throw new Error(
            `httpGenerate generated ${String(body.slotStart)} for the run of ${slot.toISOString()}`,
          );
        rows += Number(body.rowCount);
        progress.advance(Number(body.rowCount));
      }
    };
    await Promise.all(Array.from({length: IN_FLIGHT}, worker));
    return {
      items: rows,
      unit: 'transactions',
      detail: `${hours.length} scheduled runs`,
    };
  },
};

/** One scheduled run, retried like Cloud Scheduler (min backoff 0.2 s here, doubling). */
export function scheduledRun(
  url: () => string,
  scheduleTime: Date,
  count: number,
): Promise<Record<string, unknown>> {
  const headers = {
    'x-cloudscheduler-scheduletime': scheduleTime.toISOString(),
    'user-agent': 'Google-Cloud-Scheduler',
  };
  return generateRun(
    url,
    headers,
    {count},
    `the scheduled run of ${scheduleTime.toISOString()}`,
  );
}

/** A POST to httpGenerate, retried with backoff (0.2 s, doubling) until 200; a 400 is final. */
export async function generateRun(
  url: () => string,
  headers: Record<string, string>,
  body: Record<string, unknown>,
  what: string,
): Promise<Record<string, unknown>> {
  const attempt = async (): Promise<Record<string, unknown>> => {
    const response = await fetch(`${url()}/`, {
      method: 'POST',
      headers: {'content-type': 'application/json', ...headers},
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const answer = (await response.json().catch(() => ({}))) as Record<
      string,
      unknown
    >;
    if (response.status === 200) return answer;
    if (response.status === 400)
      throw new AbortError(
        new RefusedRun(
          `httpGenerate refused ${what}: ${JSON.stringify(answer)}`,
        ),
      );
    throw new Error(`${response.status} ${JSON.stringify(answer)}`);
  };
  try {
    return await pRetry(attempt, {
      retries: ATTEMPTS - 1,
      minTimeout: 200,
      factor: 2,
      maxTimeout: Number.POSITIVE_INFINITY,
      randomize: false,
    });
  } catch (error) {
    if (error instanceof RefusedRun) throw error;
    throw new Error(
      `${what} failed ${ATTEMPTS} times; last: ${(error as Error).message}`,
    );
  }
}

class RefusedRun extends Error {}
