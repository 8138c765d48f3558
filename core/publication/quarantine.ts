import type {Table} from '@google-cloud/bigtable';
import {NEWEST_CELL, newestText} from '../bigtable/read-rows';
import type {StateTableSchema} from '../resources';

/**
 * Rows that cannot become a valid record (a malformed cell, a value the schema refuses) are set
 * aside: one `pipeline_state` row per `txn_tbl` row (`publication_quarantine#<row key>`) with the
 * reason and when, beside the ERROR log entry. Writing the same row again replaces its record.
 */
export const QUARANTINE_PREFIX = 'publication_quarantine#';

export interface QuarantinedRow {
  rowKey: string;
  reason: string;
}

export async function recordQuarantine(
  state: Table,
  schema: StateTableSchema,
  rows: readonly QuarantinedRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const timestamp = new Date();
  await state.insert(
    rows.map(row => ({
      key: `${QUARANTINE_PREFIX}${row.rowKey}`,
      data: {
        [schema.families.state]: {
          reason: {value: row.reason, timestamp},
          at: {value: timestamp.toISOString(), timestamp},
        },
      },
    })),
  );
}

export async function readQuarantine(
  state: Table,
  schema: StateTableSchema,
): Promise<QuarantinedRow[]> {
  const [rows] = await state.getRows({
    prefix: QUARANTINE_PREFIX,
    filter: NEWEST_CELL,
  });
  return rows.map(row => ({
    rowKey: String(row.id).slice(QUARANTINE_PREFIX.length),
    reason: newestText(row.data?.[schema.families.state], 'reason') ?? '',
  }));
}
