import {type Day, dayOf, parseDay} from '../day';
import {fnv1a} from '../fnv1a';
import type {RowRange} from './read-rows';
import {ID_PATTERN} from '../transaction';

/**
 * Row keys of `txn_tbl`: `<salt>#<yyyy-mm-dd>#<hh:mm:ss.SSS>#<transaction id>`.
 *
 * - The salt (a stable hash of the id, SALT_BUCKETS values) comes first so that a burst of writes
 *   for the current hour is spread over SALT_BUCKETS key ranges (tablets) instead of one: a key
 *   that starts with a timestamp sends every write to the same tablet.
 * - Day and time come next so that one day is exactly SALT_BUCKETS contiguous row ranges, which the
 *   daily job reads in parallel, never scanning the rest of the table.
 * - The id last makes the key unique and deterministic: re-sending a transaction rewrites its row.
 *
 * SALT_BUCKETS is part of the stored data's shape: changing it needs a rewrite of the table.
 */
export const SALT_BUCKETS = 8;
const SALT_WIDTH = 2;

export interface DecodedRowKey {
  salt: number;
  day: Day;
  occurredAt: Date;
  id: string;
}

export class RowKeyError extends Error {
  readonly code = 'ROW_KEY_INVALID';
}

/** The id's bucket: FNV-1a, so every process and release puts an id in the same bucket. */
export function saltOf(id: string): number {
  return fnv1a(id) % SALT_BUCKETS;
}

function saltText(salt: number): string {
  return String(salt).padStart(SALT_WIDTH, '0');
}

export function encodeRowKey(id: string, occurredAt: Date): string {
  if (!ID_PATTERN.test(id))
    throw new RowKeyError(`transaction id "${id}" must match ${ID_PATTERN}`);
  const iso = occurredAt.toISOString(); // yyyy-mm-ddThh:mm:ss.SSSZ, fixed width for years 0000-9999
  if (iso.length !== 24)
    throw new RowKeyError(`occurredAt ${iso} is outside the years 0000-9999`);
  return `${saltText(saltOf(id))}#${iso.slice(0, 10)}#${iso.slice(11, 23)}#${id}`;
}

/** The longest key writeRowKey writes for an id of `idBytes` bytes. */
export const rowKeyBytes = (idBytes: number) => SALT_WIDTH + 25 + idBytes;

const HASH = 0x23;

/**
 * Writes encodeRowKey's bytes for a valid id and time (the caller has validated both) into
 * `target` at `at`, and returns where it ends. `time` holds the time as `yyyy-mm-dd?hh:mm:ss.SSS`
 * (UTC, any byte between date and time) at `timeAt`; the salt is written as two digits (SALT_BUCKETS < 100).
 */
export function writeRowKey(
  target: Buffer,
  at: number,
  id: string,
  time: Uint8Array,
  timeAt: number,
): number {
  const salt = saltOf(id);
  target[at++] = 0x30 + ((salt / 10) | 0);
  target[at++] = 0x30 + (salt % 10);
  target[at++] = HASH;
  for (let k = timeAt; k < timeAt + 10; k++) target[at++] = time[k]!;
  target[at++] = HASH;
  for (let k = timeAt + 11; k < timeAt + 23; k++) target[at++] = time[k]!;
  target[at++] = HASH;
  for (let k = 0; k < id.length; k++) target[at++] = id.charCodeAt(k);
  return at;
}

const KEY_PATTERN =
  /^(\d{2})#(\d{4}-\d{2}-\d{2})#(\d{2}:\d{2}:\d{2}\.\d{3})#([A-Za-z0-9_-]{1,64})$/;

export function decodeRowKey(key: string): DecodedRowKey {
  const match = KEY_PATTERN.exec(key);
  if (!match)
    throw new RowKeyError(
      `"${key}" is not a txn_tbl row key (salt#day#time#id)`,
    );
  const [, saltPart, dayPart, timePart, id] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const salt = Number(saltPart);
  const occurredAt = new Date(`${dayPart}T${timePart}Z`);
  if (Number.isNaN(occurredAt.getTime()) || dayOf(occurredAt) !== dayPart) {
    throw new RowKeyError(`"${key}" has an invalid date or time`);
  }
  if (salt !== saltOf(id))
    throw new RowKeyError(
      `"${key}" has salt ${salt}, expected ${saltOf(id)} for its id`,
    );
  return {salt, day: dayPart, occurredAt, id};
}

/**
 * The SALT_BUCKETS row ranges that hold exactly the given day's transactions.
 * `#` (0x23) ends the day prefix; `$` (0x24) is the next byte, so [start, end) is the prefix range.
 */
export function dayRanges(day: Day): RowRange[] {
  parseDay(day);
  const ranges: RowRange[] = [];
  for (let salt = 0; salt < SALT_BUCKETS; salt++) {
    ranges.push({
      start: `${saltText(salt)}#${day}#`,
      end: `${saltText(salt)}#${day}$`,
    });
  }
  return ranges;
}
