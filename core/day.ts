/** A calendar day in UTC, written `yyyy-mm-dd`: the unit of the daily summaries. */
export type Day = string;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The proleptic Gregorian calendar of `Date`, in integer arithmetic: a CSV checks a date per line. */
export function isDay(value: unknown): value is Day {
  if (typeof value !== 'string') return false;
  const match = DAY_PATTERN.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (month === 2 && leap ? 1 : 0);
}

export function parseDay(value: string): Day {
  if (!isDay(value))
    throw new RangeError(`"${value}" is not a calendar day (yyyy-mm-dd)`);
  return value;
}

export function dayOf(instant: Date): Day {
  return instant.toISOString().slice(0, 10);
}

export function startOfDay(day: Day): Date {
  return new Date(`${parseDay(day)}T00:00:00.000Z`);
}

/** The first instant after the day: a day is complete once everything before this is known. */
export function endOfDay(day: Day): Date {
  return new Date(startOfDay(day).getTime() + MS_PER_DAY);
}

export function addDays(day: Day, count: number): Day {
  return dayOf(new Date(startOfDay(day).getTime() + count * MS_PER_DAY));
}

/** How many days `first` to `last` spans, both included (0 or less when `first` is after `last`). */
export function daysSpanned(first: Day, last: Day): number {
  return (
    (startOfDay(last).getTime() - startOfDay(first).getTime()) / MS_PER_DAY + 1
  );
}

/** Days since 1970-01-01. */
export function epochDayOf(day: Day): number {
  return startOfDay(day).getTime() / MS_PER_DAY;
}

/** Every day from `first` to `last`, both included. */
export function daysBetween(first: Day, last: Day): Day[] {
  const days: Day[] = [];
  for (let day = parseDay(first); day <= parseDay(last); day = addDays(day, 1))
    days.push(day);
  return days;
}
