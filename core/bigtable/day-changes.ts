import {randomUUID} from 'node:crypto';
import type {Table} from '@google-cloud/bigtable';
import type {Day} from '../day';
import type {StateTableSchema} from '../resources';
import {newestText} from './read-rows';

/**
 * Which days got new transactions after their summary was written, known without scanning them.
 * One `pipeline_state` row per day, `day#yyyy-mm-dd`, with two cells:
 *   - `changed`: a fresh token written by every generation that adds rows to the day, after its
 *     lease and before its rows commit (so before any of them can reach Bigtable);
 *   - `summarized`: the `changed` token the day's current summary covers, written by the job
 *     after the summary, with the token it read BEFORE it read the watermark.
 * A day whose two tokens differ may hold rows its summary lacks: the job reads it again once the
 * watermark passes its end, and writes a new version if the totals differ.
 *
 * Tokens, not counts: generation and replication are at-least-once, and a ReadModifyWrite
 * increment repeated by a redelivery (or lost by a crash between the SQL commit and it) would make
 * a count wrong for good. A repeated token write only costs one extra read of the day that finds
 * the same totals and rewrites nothing.
 */
export const DAY_ROW_PREFIX = 'day#';
export const CHANGED_COLUMN = 'changed';
export const SUMMARIZED_COLUMN = 'summarized';

export interface DayChanges {
  /** Undefined: no generation ever added rows to the day (since this record exists). */
  changed: string | undefined;
  /** Undefined: no summary recorded which change it covers. */
  summarized: string | undefined;
}

const keyOf = (day: Day) => `${DAY_ROW_PREFIX}${day}`;

/** Records a change to `day`; returns its token. */
export async function markDayChanged(
  state: Table,
  schema: StateTableSchema,
  day: Day,
  by: string,
): Promise<string> {
  const token = `${by}/${randomUUID()}`;
  await state.insert([
    {
      key: keyOf(day),
      data: {
        [schema.families.state]: {
          [CHANGED_COLUMN]: {value: token, timestamp: new Date()},
        },
      },
    },
  ]);
  return token;
}

export async function recordDaySummarized(
  state: Table,
  schema: StateTableSchema,
  day: Day,
  changed: string | undefined,
): Promise<void> {
  await state.insert([
    {
      key: keyOf(day),
      data: {
        [schema.families.state]: {
          [SUMMARIZED_COLUMN]: {value: changed ?? '', timestamp: new Date()},
        },
      },
    },
  ]);
}

/** The records of `days` (one read of their rows); a day without a row has neither token. */
export async function readDayChanges(
  state: Table,
  schema: StateTableSchema,
  days: readonly Day[],
): Promise<Map<Day, DayChanges>> {
  const result = new Map<Day, DayChanges>(
    days.map(day => [day, {changed: undefined, summarized: undefined}]),
  );
  if (days.length === 0) return result;
  const [rows] = await state.getRows({
    keys: days.map(keyOf),
    filter: [{column: {cellLimit: 1}}],
  });
  for (const row of rows) {
    const columns = row.data?.[schema.families.state];
    result.set(String(row.id).slice(DAY_ROW_PREFIX.length), {
      changed: newestText(columns, CHANGED_COLUMN),
      summarized: newestText(columns, SUMMARIZED_COLUMN) || undefined,
    });
  }
  return result;
}
