import type {BatchSignal} from '../../core/pubsub/batch-signal';

/** A batch signal as httpGenerate publishes it for a full hour. */
export const EXAMPLE_SIGNAL: BatchSignal = {
  batchId: 'slot-2026112709',
  rowCount: 1000,
  slotStart: new Date('2026-11-27T09:00:00.000Z'),
  firstOccurredAt: new Date('2026-11-27T09:00:01.250Z'),
  lastOccurredAt: new Date('2026-11-27T09:59:58.001Z'),
};
