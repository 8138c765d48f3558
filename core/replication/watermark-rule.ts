import type { SqlPool } from '../sql/connect';
import { type PendingFloors, readPendingFloors } from '../sql/watermark-inputs';
import { HOUR_MS, floorToHour } from '../time';

/**
 * The replication watermark W: every transaction with occurred_at < W is in Bigtable.
 *
 * W = the earliest of
 *   1. the oldest unsent transaction (committed rows not yet replicated),
 *   2. the slot start of every live generation lease (a generation in flight whose rows may still
 *      be invisible in an open SQL transaction: the lease is committed before the rows are
 *      written and deleted by the very transaction that commits them), and
 *   3. the scheduling horizon: floor_hour(now - grace) - 1 h. A scheduled run generates the hour
 *      that just ended and may be retried for up to `grace`, so no scheduled run can still add
 *      rows before that instant.
 * 1 and 2 are read in ONE statement (core/sql/watermark-inputs.ts), so they come from one
 * consistent snapshot: a batch that commits in between is seen either by its lease or by its rows,
 * never by neither.
 *
 * Backfill (an explicit `hour` or idempotency key for an older hour) is the one way to add rows
 * below the horizon: it holds a lease too, and once replicated the watermark is recomputed from
 * the truth, so a watermark can go DOWN while a backfill is in flight. A day the daily job already
 * summarized must then be summarized again (the job should compare a day's end with the watermark
 * each time it runs, not remember "done" forever).
 *
 * A lease older than `leaseTtlMs` (its generator died without cleaning up) stops counting.
 */
export interface WatermarkRule {
  graceMs: number;
  leaseTtlMs: number;
}

export const DEFAULT_WATERMARK_RULE: WatermarkRule = { graceMs: 60 * 60_000, leaseTtlMs: 60 * 60_000 };

export interface WatermarkInputs extends PendingFloors {
  horizon: Date;
}

export function schedulingHorizon(now: Date, graceMs: number): Date {
  return new Date(floorToHour(new Date(now.getTime() - graceMs)).getTime() - HOUR_MS);
}

export function watermarkOf(inputs: WatermarkInputs): Date {
  const candidates = [inputs.horizon, inputs.oldestUnsent, inputs.oldestLeaseSlot].filter((d): d is Date => d !== null);
  return new Date(Math.min(...candidates.map((d) => d.getTime())));
}

export async function readWatermarkInputs(sql: SqlPool, rule: WatermarkRule, now: Date): Promise<WatermarkInputs> {
  return { ...(await readPendingFloors(sql, rule.leaseTtlMs)), horizon: schedulingHorizon(now, rule.graceMs) };
}

export async function computeWatermark(sql: SqlPool, rule: WatermarkRule, now: Date): Promise<Date> {
  return watermarkOf(await readWatermarkInputs(sql, rule, now));
}
