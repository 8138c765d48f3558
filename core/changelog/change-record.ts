import {createHash} from 'node:crypto';
import {Type} from 'avsc';
import {readChangelogEntryAvsc} from '../avro/schemas';

/**
 * One change of a Bigtable row: Google's change-stream template's ChangelogEntryMessage, as avsc
 * reads it (the schema on the template's documentation page, core/avro/changelog-entry.avsc).
 * Timestamps are microseconds since the epoch (Bigtable's cell timestamps).
 */
export interface ChangeRecord {
  rowKey: Buffer;
  modType: ModType;
  isGC: boolean;
  tieBreaker: number;
  columnFamily: string;
  commitTimestamp: number;
  /** Where the change happened: the Bigtable instance, cluster and table. */
  sourceInstance: string;
  sourceCluster: string;
  sourceTable: string;
  column: Buffer | null;
  timestamp: number | null;
  timestampFrom: number | null;
  timestampTo: number | null;
  value: Buffer | null;
}

export const MOD_TYPES = [
  'SET_CELL',
  'DELETE_FAMILY',
  'DELETE_CELLS',
  'UNKNOWN',
] as const;
export type ModType = (typeof MOD_TYPES)[number];

/** The template's AVRO type, from the same .avsc the topic enforces. */
export const CHANGE_RECORD_TYPE = Type.forSchema(
  JSON.parse(readChangelogEntryAvsc()),
);

export class MalformedChangeError extends Error {
  readonly code = 'CHANGE_MALFORMED';
}

/** 2000-01-01 and 10000-01-01 in microseconds: a commit time outside them is not a real commit. */
const EARLIEST_MICROS = Date.UTC(2000, 0, 1) * 1000;
const LATEST_MICROS = Date.UTC(10000, 0, 1) * 1000;

/** A record well-formed beyond what the schema can say, or MalformedChangeError naming what is off. */
export function validateChange(record: ChangeRecord): ChangeRecord {
  if (record.rowKey.length === 0)
    throw new MalformedChangeError('rowKey is empty');
  if (record.columnFamily === '')
    throw new MalformedChangeError('columnFamily is empty');
  if (!(
    record.commitTimestamp >= EARLIEST_MICROS &&
    record.commitTimestamp < LATEST_MICROS
  )) {
    throw new MalformedChangeError(
      `commitTimestamp ${record.commitTimestamp} is not microseconds between 2000 and 9999`,
    );
  }
  if (record.modType === 'SET_CELL') {
    if (record.column === null)
      throw new MalformedChangeError('SET_CELL without a column');
    if (record.timestamp === null)
      throw new MalformedChangeError('SET_CELL without a timestamp');
    if (record.value === null)
      throw new MalformedChangeError('SET_CELL without a value');
  }
  if (record.modType === 'DELETE_CELLS' && record.column === null)
    throw new MalformedChangeError('DELETE_CELLS without a column');
  return record;
}

/** Reads one message body (the template's BINARY encoding: one bare AVRO datum, no container). */
export function decodeChange(data: Buffer): ChangeRecord {
  if (data.length === 0) throw new MalformedChangeError('message has no data');
  let record: ChangeRecord;
  try {
    record = CHANGE_RECORD_TYPE.fromBuffer(data) as ChangeRecord;
  } catch (error) {
    throw new MalformedChangeError(
      `not a BINARY ChangelogEntryMessage: ${(error as Error).message}`,
    );
  }
  return validateChange(record);
}

export function encodeChange(record: ChangeRecord): Buffer {
  return CHANGE_RECORD_TYPE.toBuffer(record);
}

/**
 * What makes a change itself, whichever message carried it: the digest of its canonical encoding.
 * The template re-publishing a record, or Pub/Sub redelivering it, gives the same identity.
 */
export function changeIdentity(record: ChangeRecord): string {
  return encodedChangeIdentity(encodeChange(record));
}

/**
 * The identity of a record from its BINARY encoding, without decoding it again: AVRO's binary
 * encoding of a record is unique (no optional padding, one union branch, no blocks here), so the
 * bytes a message carries are the canonical encoding that changeIdentity hashes.
 */
export function encodedChangeIdentity(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A microsecond timestamp as an ISO instant with its microseconds (`2026-11-26T14:00:01.234567Z`). */
export function microsInstant(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  return `${iso.slice(0, 23)}${String(micros % 1000).padStart(3, '0')}Z`;
}
