import {createHash} from 'node:crypto';

/**
 * Where change records live in the archive: `yyyy-mm-dd/hh/<batch>.avro` by the hour of their
 * commit, so a time span reads only its hours. `<batch>` is the digest of the identities of the
 * records in the object: the same records always get the same name.
 */
const HOUR_MS = 3_600_000;

/** The hour partition (`yyyy-mm-dd/hh/`) of a commit time in microseconds. */
export function hourOf(commitMicros: number): string {
  const iso = new Date(Math.floor(commitMicros / 1000)).toISOString();
  return `${iso.slice(0, 10)}/${iso.slice(11, 13)}/`;
}

/** The object name of a batch's records of one hour; the identities in any order. */
export function batchObjectName(
  hour: string,
  identities: readonly string[],
): string {
  const digest = createHash('sha256');
  for (const identity of [...identities].sort()) digest.update(identity);
  return `${hour}${digest.digest('hex').slice(0, 40)}.avro`;
}

/** The start of every hour partition from `from`'s hour to `to`'s hour, both included. */
export function hoursBetween(from: Date, to: Date): string[] {
  const hours: string[] = [];
  for (
    let t = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS;
    t <= to.getTime();
    t += HOUR_MS
  )
    hours.push(hourOf(t * 1000));
  return hours;
}

/** The day prefix (`yyyy-mm-dd/`) of an hour partition. */
export function dayOfHour(hour: string): string {
  return hour.slice(0, 11);
}
