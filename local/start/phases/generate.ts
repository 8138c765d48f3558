import { HOUR_MS } from '../../../core/time';
import type { Phase } from '../phase';
import { hoursOf } from '../simulated-days';

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
        const body = await scheduledRun(() => context.functions.httpGenerate!.url, new Date(slot.getTime() + HOUR_MS), context.options.perHour);
        if (body.slotStart !== slot.toISOString()) throw new Error(`httpGenerate generated ${String(body.slotStart)} for the run of ${slot.toISOString()}`);
        rows += Number(body.rowCount);
        progress.advance(Number(body.rowCount));
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    return { items: rows, unit: 'transactions', detail: `${hours.length} scheduled runs` };
  },
};

/** One scheduled run, retried like Cloud Scheduler (min backoff 0.2 s here, doubling). */
export async function scheduledRun(url: () => string, scheduleTime: Date, count: number): Promise<Record<string, unknown>> {
  let last = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const response = await fetch(`${url()}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cloudscheduler-scheduletime': scheduleTime.toISOString(), 'user-agent': 'Google-Cloud-Scheduler' },
        body: JSON.stringify({ count }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (response.status === 200) return body;
      if (response.status === 400) throw new Error(`httpGenerate refused the run of ${scheduleTime.toISOString()}: ${JSON.stringify(body)}`);
      last = `${response.status} ${JSON.stringify(body)}`;
    } catch (error) {
      if ((error as Error).message.startsWith('httpGenerate refused')) throw error;
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
  }
  throw new Error(`the scheduled run of ${scheduleTime.toISOString()} failed ${ATTEMPTS} times; last: ${last}`);
}
