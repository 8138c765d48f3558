import type {SqlPool} from '../sql/connect';
import {
  type PendingFloors,
  committedScheduledSlots,
  readPendingFloors,
} from '../sql/watermark-inputs';
import {HOUR_MS, floorToHour} from '../time';

/**
 * The replication watermark W: every transaction with occurred_at < W is in Bigtable.
 *
 * W = the earliest of
 *   1. the oldest unsent transaction (committed rows not yet replicated),
 *   2. the slot start of every live generation lease (a generation in flight whose rows may still
 *      be invisible in an open SQL transaction: the lease is committed before the rows are
 *      written and deleted by the very transaction that commits them), and
 *   3. the scheduling horizon: the start of the earliest scheduled slot that has no committed
 *      batch yet, or the start of the current hour when every slot before it has one. The run at
 *      H generates the slot H-1h; a retry of a slot whose batch is committed adds nothing, so
 *      only slots still waiting for theirs can add rows below the horizon. Right after the
 *      replication that follows the 00:00 run, W is midnight, and the 01:00 job writes yesterday.
 *      A slot still without a batch `missedSlotMs` after its run was due (a scheduler outage)
 *      stops holding W back: it is reported in `passedSlots`, and logged at WARNING.
 * 1 and 2 are read in ONE statement (core/sql/watermark-inputs.ts), so they come from one
 * consistent snapshot: a batch that commits in between is seen either by its lease or by its rows,
 * never by neither. The committed slots are read before it: a batch committed in between is then
 * held back by its rows.
 *
 * Backfill (an explicit `hour` or idempotency key for an older hour) adds rows below the horizon:
 * it holds a lease, and it lowers the stored watermark to its slot before its rows commit (see
 * core/watermark.ts), so the daily job holds the day back until the rows are replicated.
 *
 * A lease older than `leaseTtlMs` (its generator died without cleaning up) stops counting.
 */
export interface WatermarkRule {
  /** How long after its run was due a slot without a batch still holds the watermark. */
  missedSlotMs: number;
  leaseTtlMs: number;
}

/**
 * The deployed scheduler retries a slot for up to about 45 minutes (5 attempts, 320 s deadline,
 * backoff from 30 s, see scripts/deploy.sh): after two hours its run will not come.
 */
export const DEFAULT_WATERMARK_RULE: WatermarkRule = {
  missedSlotMs: 120 * 60_000,
  leaseTtlMs: 60 * 60_000,
};

/** Missed slots are reported for a day after they are passed, then forgotten. */
const PASSED_REPORT_MS = 24 * HOUR_MS;

export interface WatermarkInputs extends PendingFloors {
  horizon: Date;
  /** Scheduled slots without a batch that the horizon passed because they were due too long ago. */
  passedSlots: Date[];
}

/** The scheduled slots (hour starts) that `now` may still see generated or reported: oldest first. */
export function slotWindow(
  now: Date,
  missedSlotMs: number,
): {from: Date; to: Date} {
  const to = floorToHour(now);
  return {
    from: floorToHour(
      new Date(now.getTime() - HOUR_MS - missedSlotMs - PASSED_REPORT_MS),
    ),
    to,
  };
}

/** The horizon, given which scheduled slots of `slotWindow(now)` have a committed batch. */
export function schedulingHorizon(
  now: Date,
  missedSlotMs: number,
  committed: readonly Date[],
): {horizon: Date; passedSlots: Date[]} {
  const done = new Set(committed.map(slot => slot.getTime()));
  const {from, to} = slotWindow(now, missedSlotMs);
  let horizon = to;
  const passedSlots: Date[] = [];
  for (
    let slot = to.getTime() - HOUR_MS;
    slot >= from.getTime();
    slot -= HOUR_MS
  ) {
    if (done.has(slot)) continue;
    const dueAt = slot + HOUR_MS;
    if (now.getTime() < dueAt + missedSlotMs) horizon = new Date(slot);
    else passedSlots.unshift(new Date(slot));
  }
  return {horizon, passedSlots};
}

export function watermarkOf(inputs: WatermarkInputs): Date {
  const candidates = [
    inputs.horizon,
    inputs.oldestUnsent,
    inputs.oldestLeaseSlot,
  ].filter((d): d is Date => d !== null);
  return new Date(Math.min(...candidates.map(d => d.getTime())));
}

export async function readWatermarkInputs(
  sql: SqlPool,
  rule: WatermarkRule,
  now: Date,
): Promise<WatermarkInputs> {
  const window = slotWindow(now, rule.missedSlotMs);
  const committed = await committedScheduledSlots(sql, window.from, window.to);
  return {
    ...(await readPendingFloors(sql, rule.leaseTtlMs)),
    ...schedulingHorizon(now, rule.missedSlotMs, committed),
  };
}

export async function computeWatermark(
  sql: SqlPool,
  rule: WatermarkRule,
  now: Date,
): Promise<Date> {
  return watermarkOf(await readWatermarkInputs(sql, rule, now));
}
