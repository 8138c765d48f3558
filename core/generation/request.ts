import {isDay} from '../day';
import {floorToHour} from '../time';
import {
  IDEMPOTENCY_KEY,
  batchIdForKey,
  batchIdForSlot,
  defaultSlot,
} from './slot';

/**
 * What an httpGenerate request asks for, validated before anything is generated or written.
 * Parameters come from a JSON object body and/or the query string; the schedule time comes from
 * Cloud Scheduler's `X-CloudScheduler-ScheduleTime` header.
 */
export interface GenerateRequest {
  slotStart: Date;
  count: number;
  batchId: string;
}

export interface HttpInput {
  method: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  query: Readonly<Record<string, unknown>>;
  rawBody?: Buffer;
}

export interface RequestLimits {
  defaultCount: number;
  maxCount: number;
  maxBodyBytes: number;
}

const DEFAULT_LIMITS: RequestLimits = {
  defaultCount: 1000,
  maxCount: 10_000,
  maxBodyBytes: 4096,
};

export class BadRequestError extends Error {
  readonly code = 'BAD_REQUEST';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

const FIELDS = ['count', 'hour', 'idempotencyKey'] as const;
type Field = (typeof FIELDS)[number];

function header(input: HttpInput, name: string): string | undefined {
  const value = input.headers[name];
  if (Array.isArray(value))
    throw new BadRequestError(name, 'must be given once');
  return value === undefined || value === '' ? undefined : value;
}

function bodyFields(
  input: HttpInput,
  limits: RequestLimits,
): Record<string, unknown> {
  const raw = input.rawBody;
  if (!raw || raw.length === 0) return {};
  if (raw.length > limits.maxBodyBytes)
    throw new BadRequestError(
      'body',
      `is ${raw.length} bytes, more than ${limits.maxBodyBytes}`,
    );
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError('body', 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new BadRequestError('body', 'must be a JSON object');
  return parsed as Record<string, unknown>;
}

function collect(
  input: HttpInput,
  limits: RequestLimits,
): Partial<Record<Field, {value: unknown; fromQuery: boolean}>> {
  const found: Partial<Record<Field, {value: unknown; fromQuery: boolean}>> =
    {};
  const take = (source: Record<string, unknown>, fromQuery: boolean) => {
    for (const [name, value] of Object.entries(source)) {
      if (!(FIELDS as readonly string[]).includes(name))
        throw new BadRequestError(
          name,
          `is not a known field (known: ${FIELDS.join(', ')})`,
        );
      if (found[name as Field])
        throw new BadRequestError(name, 'is given more than once');
      if (fromQuery && typeof value !== 'string')
        throw new BadRequestError(name, 'must be given once');
      found[name as Field] = {value, fromQuery};
    }
  };
  take(bodyFields(input, limits), false);
  take(input.query as Record<string, unknown>, true);
  return found;
}

function parseCount(
  field: {value: unknown; fromQuery: boolean} | undefined,
  limits: RequestLimits,
): number {
  if (!field) return limits.defaultCount;
  let count: number;
  if (field.fromQuery) {
    if (typeof field.value !== 'string' || !/^-?\d{1,9}$/.test(field.value))
      throw new BadRequestError(
        'count',
        `must be an integer, got ${JSON.stringify(field.value)}`,
      );
    count = Number(field.value);
  } else {
    if (typeof field.value !== 'number' || !Number.isInteger(field.value))
      throw new BadRequestError(
        'count',
        `must be an integer, got ${JSON.stringify(field.value)}`,
      );
    count = field.value;
  }
  if (count < 1 || count > limits.maxCount)
    throw new BadRequestError(
      'count',
      `must be between 1 and ${limits.maxCount}, got ${count}`,
    );
  return count;
}

/**
 * An RFC 3339 time, `T` and zone required, minutes and seconds optional (`2026-11-27T09Z` is
 * accepted for an hour). Every part is checked against the calendar: `Date` would roll
 * 2026-06-31 over to July 1 and hour 24 over to the next day.
 */
const TIME_PATTERN =
  /^(\d{4}-\d{2}-\d{2})T(\d{2})(?::(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|([+-])(\d{2}):(\d{2}))$/;

function parseTime(field: string, value: unknown): Date {
  const match = typeof value === 'string' ? TIME_PATTERN.exec(value) : null;
  if (!match)
    throw new BadRequestError(
      field,
      `must be a UTC time like 2026-11-27T09:00:00Z, got ${JSON.stringify(value)}`,
    );
  const [
    ,
    date,
    hour,
    minute = '00',
    second = '00',
    fraction = '',
    zone,
    sign,
    offsetHour,
    offsetMinute,
  ] = match as unknown as string[];
  if (!isDay(date))
    throw new BadRequestError(
      field,
      `"${value}": ${date} is not a calendar day`,
    );
  if (Number(hour) > 23)
    throw new BadRequestError(
      field,
      `"${value}": hour ${hour} is not an hour of the day (00-23)`,
    );
  if (Number(minute) > 59 || Number(second) > 59)
    throw new BadRequestError(
      field,
      `"${value}": ${minute}:${second} is not a minute and second`,
    );
  if (zone !== 'Z' && (Number(offsetHour) > 23 || Number(offsetMinute) > 59))
    throw new BadRequestError(field, `"${value}": ${zone} is not a UTC offset`);
  const millis = (fraction + '000').slice(1, 4);
  const local = Date.UTC(
    Number(date!.slice(0, 4)),
    Number(date!.slice(5, 7)) - 1,
    Number(date!.slice(8, 10)),
    Number(hour),
    Number(minute),
    Number(second),
    Number(millis),
  );
  const offsetMs =
    zone === 'Z'
      ? 0
      : (sign === '-' ? -1 : 1) *
        (Number(offsetHour) * 60 + Number(offsetMinute)) *
        60_000;
  return new Date(local - offsetMs);
}

/** One rule for a slot, whether it came as `hour` or from the schedule time: a real, begun hour since 2000. */
function checkSlot(field: string, value: string, slot: Date, now: Date): Date {
  if (slot.getUTCFullYear() < 2000)
    throw new BadRequestError(field, `"${value}" is before the year 2000`);
  if (slot > floorToHour(now))
    throw new BadRequestError(
      field,
      `"${value}" is in the future: slot ${slot.toISOString()} has not begun (now ${now.toISOString()})`,
    );
  return slot;
}

function parseHour(value: unknown, now: Date): Date {
  const hour = parseTime('hour', value);
  if (floorToHour(hour).getTime() !== hour.getTime())
    throw new BadRequestError('hour', `"${value}" is not on the hour`);
  return checkSlot('hour', String(value), hour, now);
}

/** Cloud Scheduler's schedule time: the slot is the hour before it, checked like an explicit hour. */
function scheduledSlot(value: string, now: Date): Date {
  const field = 'x-cloudscheduler-scheduletime';
  return checkSlot(
    field,
    value,
    defaultSlot(parseTime(field, value), now),
    now,
  );
}

/** Validates everything; throws BadRequestError (-> HTTP 400) naming the offending field. */
export function parseGenerateRequest(
  input: HttpInput,
  now: Date,
  limits: RequestLimits = DEFAULT_LIMITS,
): GenerateRequest {
  if (input.method !== 'POST')
    throw new BadRequestError('method', `must be POST, got ${input.method}`);
  const fields = collect(input, limits);
  const count = parseCount(fields.count, limits);
  const scheduleTime = header(input, 'x-cloudscheduler-scheduletime');
  const scheduled =
    scheduleTime === undefined ? undefined : scheduledSlot(scheduleTime, now);
  const slotStart = fields.hour
    ? parseHour(fields.hour.value, now)
    : (scheduled ?? defaultSlot(undefined, now));
  const keyHeader = header(input, 'idempotency-key');
  const keyField = fields.idempotencyKey?.value;
  if (
    keyHeader !== undefined &&
    keyField !== undefined &&
    keyHeader !== keyField
  ) {
    throw new BadRequestError(
      'idempotencyKey',
      'differs from the Idempotency-Key header',
    );
  }
  const key = keyField ?? keyHeader;
  if (
    key !== undefined &&
    (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))
  ) {
    throw new BadRequestError(
      'idempotencyKey',
      `must match ${IDEMPOTENCY_KEY}, got ${JSON.stringify(key)}`,
    );
  }
  return {
    slotStart,
    count,
    batchId: key === undefined ? batchIdForSlot(slotStart) : batchIdForKey(key),
  };
}
