/**
 * Generation slots: one batch per UTC hour. The batch id, the transaction ids and the random seed
 * are all derived from the slot (or from an explicit idempotency key), so a retried request
 * produces the very same batch id and the database refuses a second copy.
 */
import {fnv1a} from '../fnv1a';
import {HOUR_MS, floorToHour} from '../time';

/** The hour before the scheduler's schedule time (or before now): the hour that just ended. */
export function defaultSlot(scheduleTime: Date | undefined, now: Date): Date {
  return new Date(floorToHour(scheduleTime ?? now).getTime() - HOUR_MS);
}

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,40}$/;

/** The batch id of a scheduled slot lives with the batches: the watermark rule asks which slots have theirs. */
export {batchIdForSlot} from '../sql/generation-batches';

export function batchIdForKey(key: string): string {
  if (!IDEMPOTENCY_KEY.test(key))
    throw new RangeError(
      `idempotency key "${key}" must match ${IDEMPOTENCY_KEY}`,
    );
  return `key-${key}`;
}

/** Transaction ids: the batch id plus a fixed-width index, unique and the same on every retry. */
export function transactionId(batchId: string, index: number): string {
  return `${batchId}-${String(index).padStart(5, '0')}`;
}

/** FNV-1a of the batch id: the seed that makes a batch's content a function of its id. */
export function seedOf(batchId: string): number {
  return fnv1a(batchId);
}
