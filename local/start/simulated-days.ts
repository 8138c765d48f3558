import {type Day, addDays, dayOf, endOfDay} from '../../core/day';
import {HOUR_MS} from '../../core/time';
import {
  DEFAULT_WATERMARK_RULE,
  schedulingHorizon,
} from '../../core/replication/watermark-rule';

/**
 * The days `npm start` simulates: `count` days ending with the latest day that the replication
 * watermark can already pass on the real clock. No scheduled slot of the last hours has a batch
 * here (only past days are generated), so the scheduling horizon is where the earliest of them
 * stops holding it: floor_hour(now - missed-slot bound), bound 120 min. That is yesterday from
 * 02:00 UTC on, and the day before yesterday between 00:00 and 02:00 UTC. The functions run on the real clock; only the
 * data is in the past (each hour is generated as Cloud Scheduler's run for it would have).
 */
export function simulatedDays(
  count: number,
  now: Date,
  missedSlotMs = DEFAULT_WATERMARK_RULE.missedSlotMs,
): Day[] {
  const {horizon} = schedulingHorizon(now, missedSlotMs, []);
  let last = dayOf(new Date(horizon.getTime() - 1));
  if (endOfDay(last) > horizon) last = addDays(last, -1);
  return Array.from({length: count}, (_, i) => addDays(last, i - count + 1));
}

/** Every hour of the days, in order: the slots Cloud Scheduler's hourly job would have run for. */
export function hoursOf(days: Day[]): Date[] {
  return days.flatMap(day =>
    Array.from(
      {length: 24},
      (_, h) => new Date(Date.parse(`${day}T00:00:00.000Z`) + h * HOUR_MS),
    ),
  );
}
