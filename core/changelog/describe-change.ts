import {TextDecoder} from 'node:util';
import type {TxnTableSchema} from '../resources';
import {type ChangeRecord, microsInstant} from './change-record';

/** A change as people read it: the cell, what happened to it, when, and its value as text where the family's cells are text. */
export interface DescribedChange {
  commitTime: string;
  rowKey: string;
  modType: ChangeRecord['modType'];
  /** Garbage collection (a GC rule), not a write by a client. */
  isGC: boolean;
  cell: string;
  /** The cell's own timestamp (SET_CELL) or the deleted range (DELETE_CELLS). */
  cellTime?: string;
  deletedFrom?: string;
  deletedTo?: string;
  /** UTF-8 text for the txn_tbl families (every cell there is text), base64 otherwise. */
  value?: string;
  valueEncoding?: 'text' | 'base64';
}

const strictUtf8 = new TextDecoder('utf-8', {fatal: true});

function text(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function describeChange(
  record: ChangeRecord,
  txn: TxnTableSchema,
): DescribedChange {
  const column =
    record.column === null
      ? undefined
      : (text(record.column) ?? record.column.toString('base64'));
  const described: DescribedChange = {
    commitTime: microsInstant(record.commitTimestamp),
    rowKey: text(record.rowKey) ?? record.rowKey.toString('base64'),
    modType: record.modType,
    isGC: record.isGC,
    cell:
      column === undefined
        ? `${record.columnFamily}:*`
        : `${record.columnFamily}:${column}`,
  };
  if (record.timestamp !== null)
    described.cellTime = microsInstant(record.timestamp);
  if (record.timestampFrom !== null)
    described.deletedFrom = microsInstant(record.timestampFrom);
  if (record.timestampTo !== null)
    described.deletedTo = microsInstant(record.timestampTo);
  if (record.value !== null) {
    const textFamily = Object.values(txn.families).includes(
      record.columnFamily,
    );
    const decoded = textFamily ? text(record.value) : undefined;
    described.value = decoded ?? record.value.toString('base64');
    described.valueEncoding = decoded === undefined ? 'base64' : 'text';
  }
  return described;
}

/** One line: `commit-time  MOD  family:column  @cell-time  = value`. */
export function formatChange(change: DescribedChange): string {
  const parts = [
    change.commitTime,
    change.modType.padEnd(13),
    change.rowKey,
    change.cell,
  ];
  if (change.cellTime) parts.push(`@${change.cellTime}`);
  if (change.deletedFrom || change.deletedTo)
    parts.push(
      `[${change.deletedFrom ?? '-inf'}, ${change.deletedTo ?? '+inf'})`,
    );
  if (change.value !== undefined)
    parts.push(
      change.valueEncoding === 'text'
        ? `= ${JSON.stringify(change.value)}`
        : `= base64:${change.value}`,
    );
  if (change.isGC) parts.push('(garbage collection)');
  return parts.join('  ');
}
