import {randomBytes} from 'node:crypto';
import type {Table} from '@google-cloud/bigtable';
import type {StateTableSchema} from '../resources';
import {NEWEST_CELL, newestText} from './read-rows';

/**
 * Spans of `occurred_at` that replication wrote and the publisher has not yet taken into account,
 * one small `pipeline_state` row each (`replicated_span#<first>#<random>`). They are how a
 * backfilled hour older than the publication cursor reaches the publisher even when the signal that
 * announced it is lost: the publisher starts from the oldest span's first row, and deletes the
 * spans it read once its run is complete. A span written while a run is going is left for the next.
 */
export const SPAN_PREFIX = 'replicated_span#';
const FIRST = 'first';
const LAST = 'last';

export interface ReplicatedSpan {
  key: string;
  first: Date;
  last: Date;
}

export async function recordReplicatedSpan(
  state: Table,
  schema: StateTableSchema,
  first: Date,
  last: Date,
): Promise<void> {
  const timestamp = new Date();
  await state.insert([
    {
      key: `${SPAN_PREFIX}${first.toISOString()}#${randomBytes(4).toString('hex')}`,
      data: {
        [schema.families.state]: {
          [FIRST]: {value: first.toISOString(), timestamp},
          [LAST]: {value: last.toISOString(), timestamp},
        },
      },
    },
  ]);
}

export async function readReplicatedSpans(
  state: Table,
  schema: StateTableSchema,
): Promise<ReplicatedSpan[]> {
  const [rows] = await state.getRows({
    prefix: SPAN_PREFIX,
    filter: NEWEST_CELL,
  });
  return rows.flatMap(row => {
    const family = row.data?.[schema.families.state];
    const first = new Date(newestText(family, FIRST) ?? '');
    const last = new Date(newestText(family, LAST) ?? '');
    if (Number.isNaN(first.getTime())) return [];
    return [
      {
        key: row.id as string,
        first,
        last: Number.isNaN(last.getTime()) ? first : last,
      },
    ];
  });
}

export async function deleteReplicatedSpans(
  state: Table,
  spans: readonly ReplicatedSpan[],
): Promise<void> {
  if (spans.length === 0) return;
  await state.mutate(spans.map(span => ({key: span.key, method: 'delete'})));
}
