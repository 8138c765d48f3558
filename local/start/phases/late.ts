import type {Phase} from '../phase';
import {hoursOf} from '../simulated-days';
import {generateRun} from './generate';

/**
 * `--late N`: after the days are summarized, N hours of them get a second batch, as a backfill of
 * late data would: `POST {"count", "hour", "idempotencyKey"}` to httpGenerate, the key distinct
 * from the scheduled slot's (`late-YYYYMMDDHH`) so the rows are new; a retry of one of these
 * requests adds nothing. Each generation lowers the watermark to its hour and moves its day's
 * change token; replication and publication follow from its signal.
 */
export const latePhase: Phase = {
  name: 'late',
  unit: 'transactions',
  async run(context, progress) {
    const hours = lateHours(context.days, context.options.late);
    progress.total(hours.length * context.options.perHour);
    let rows = 0;
    for (const hour of hours) {
      const iso = hour.toISOString();
      const key = `late-${iso.slice(0, 13).replace(/[-T]/g, '')}`;
      const body = await generateRun(
        () => context.functions.httpGenerate!.url,
        {},
        {count: context.options.perHour, hour: iso, idempotencyKey: key},
        `the backfill of ${iso}`,
      );
      if (body.slotStart !== iso)
        throw new Error(
          `httpGenerate generated ${String(body.slotStart)} for the backfill of ${iso}`,
        );
      if (Number(body.rowCount) !== context.options.perHour)
        throw new Error(
          `the backfill of ${iso} added ${String(body.rowCount)} rows, not ${context.options.perHour}`,
        );
      rows += Number(body.rowCount);
      progress.advance(Number(body.rowCount));
    }
    context.late = {
      hours: hours.map(h => h.toISOString()),
      transactions: rows,
      restated: [],
    };
    return {
      items: rows,
      unit: 'transactions',
      detail: `${hours.length} late hours`,
    };
  },
};

/** `count` distinct hours of the days, evenly spread (the middle of each of `count` equal shares). */
export function lateHours(days: string[], count: number): Date[] {
  const hours = hoursOf(days);
  if (count > hours.length)
    throw new RangeError(
      `${count} late hours do not fit in ${hours.length} hours`,
    );
  return Array.from(
    {length: count},
    (_, i) => hours[Math.floor(((i + 0.5) * hours.length) / count)]!,
  );
}
