import type {ObjectStore} from '../storage/object-store';
import {dayOfHour, hoursBetween} from './archive-layout';
import {type ChangeRecord, changeIdentity} from './change-record';
import {decodeContainer} from './container-file';

/** What to read: the changes committed in [from, to], optionally only those of one row. */
export interface ChangeQuery {
  from: Date;
  to: Date;
  rowKey?: string;
}

export interface ChangeReadReport {
  changes: ChangeRecord[];
  /** Objects read (only those of the span's hours). */
  objectsRead: number;
  /** Records found more than once (redelivered, re-published) and shown once. */
  duplicates: number;
}

/** The order changes happened in: commit time, then the template's tie-breaker, then the cell. */
function byCommit(a: ChangeRecord, b: ChangeRecord): number {
  return (
    a.commitTimestamp - b.commitTimestamp ||
    a.tieBreaker - b.tieBreaker ||
    Buffer.compare(a.rowKey, b.rowKey) ||
    a.columnFamily.localeCompare(b.columnFamily) ||
    Buffer.compare(a.column ?? Buffer.alloc(0), b.column ?? Buffer.alloc(0)) ||
    (a.timestamp ?? 0) - (b.timestamp ?? 0)
  );
}

/**
 * Reads the archive's objects of the span's hours only (one listing per day), keeps each record
 * once by its identity, and returns them in commit order.
 */
export async function readChanges(
  archive: ObjectStore,
  query: ChangeQuery,
): Promise<ChangeReadReport> {
  const fromMicros = query.from.getTime() * 1000;
  const toMicros = query.to.getTime() * 1000 + 999;
  const hours = new Set(hoursBetween(query.from, query.to));
  const days = [...new Set([...hours].map(dayOfHour))];
  const listed = await Promise.all(days.map(day => archive.list(day)));
  const names = listed
    .flat()
    .filter(name => hours.has(name.slice(0, 14)) && name.endsWith('.avro'));
  const wanted =
    query.rowKey === undefined ? undefined : Buffer.from(query.rowKey, 'utf8');

  const seen = new Map<string, ChangeRecord>();
  let duplicates = 0;
  // A few objects at a time: each is one batch-hour, and a span may hold thousands.
  for (let i = 0; i < names.length; i += 8) {
    const files = await Promise.all(
      names
        .slice(i, i + 8)
        .map(async name => decodeContainer(await archive.read(name), name)),
    );
    for (const record of files.flat()) {
      if (
        record.commitTimestamp < fromMicros ||
        record.commitTimestamp > toMicros
      )
        continue;
      if (wanted && !record.rowKey.equals(wanted)) continue;
      const identity = changeIdentity(record);
      if (seen.has(identity)) duplicates++;
      else seen.set(identity, record);
    }
  }
  return {
    changes: [...seen.values()].sort(byCommit),
    objectsRead: names.length,
    duplicates,
  };
}
