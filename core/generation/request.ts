import { floorToHour } from '../time';
import { IDEMPOTENCY_KEY, batchIdForKey, batchIdForSlot, defaultSlot } from './slot';

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

const DEFAULT_LIMITS: RequestLimits = { defaultCount: 1000, maxCount: 10_000, maxBodyBytes: 4096 };

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

/** An hour on the hour: `2026-11-27T09Z`, `2026-11-27T09:00Z`, `2026-11-27T09:00:00.000Z`, or with an offset. */
const HOUR_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}(?::00(?::00(?:\.0{1,3})?)?)?(?:Z|[+-]\d{2}:\d{2})$/;

function header(input: HttpInput, name: string): string | undefined {
  const value = input.headers[name];
  if (Array.isArray(value)) throw new BadRequestError(name, 'must be given once');
  return value === undefined || value === '' ? undefined : value;
}

function bodyFields(input: HttpInput, limits: RequestLimits): Record<string, unknown> {
  const raw = input.rawBody;
  if (!raw || raw.length === 0) return {};
  if (raw.length > limits.maxBodyBytes) throw new BadRequestError('body', `is ${raw.length} bytes, more than ${limits.maxBodyBytes}`);
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError('body', 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequestError('body', 'must be a JSON object');
  return parsed as Record<string, unknown>;
}

function collect(input: HttpInput, limits: RequestLimits): Partial<Record<Field, { value: unknown; fromQuery: boolean }>> {
  const found: Partial<Record<Field, { value: unknown; fromQuery: boolean }>> = {};
  const take = (source: Record<string, unknown>, fromQuery: boolean) => {
    for (const [name, value] of Object.entries(source)) {
      if (!(FIELDS as readonly string[]).includes(name)) throw new BadRequestError(name, `is not a known field (known: ${FIELDS.join(', ')})`);
      if (found[name as Field]) throw new BadRequestError(name, 'is given more than once');
      if (fromQuery && typeof value !== 'string') throw new BadRequestError(name, 'must be given once');
      found[name as Field] = { value, fromQuery };
    }
  };
  take(bodyFields(input, limits), false);
  take(input.query as Record<string, unknown>, true);
  return found;
}

function parseCount(field: { value: unknown; fromQuery: boolean } | undefined, limits: RequestLimits): number {
  if (!field) return limits.defaultCount;
  let count: number;
  if (field.fromQuery) {
    if (typeof field.value !== 'string' || !/^-?\d{1,9}$/.test(field.value)) throw new BadRequestError('count', `must be an integer, got ${JSON.stringify(field.value)}`);
    count = Number(field.value);
  } else {
    if (typeof field.value !== 'number' || !Number.isInteger(field.value)) throw new BadRequestError('count', `must be an integer, got ${JSON.stringify(field.value)}`);
    count = field.value;
  }
  if (count < 1 || count > limits.maxCount) throw new BadRequestError('count', `must be between 1 and ${limits.maxCount}, got ${count}`);
  return count;
}

function parseHour(value: unknown, now: Date): Date {
  if (typeof value !== 'string' || !HOUR_PATTERN.test(value)) {
    throw new BadRequestError('hour', `must be a UTC hour like 2026-11-27T09:00:00Z, got ${JSON.stringify(value)}`);
  }
  // `2026-11-27T09Z` is not a form Date parses: give it its minutes.
  const hour = new Date(value.replace(/T(\d{2})(?=Z|[+-])/, 'T$1:00'));
  if (Number.isNaN(hour.getTime()) || floorToHour(hour).getTime() !== hour.getTime()) throw new BadRequestError('hour', `"${value}" is not a valid hour`);
  if (hour.getUTCFullYear() < 2000) throw new BadRequestError('hour', `"${value}" is before the year 2000`);
  if (hour > floorToHour(now)) throw new BadRequestError('hour', `"${value}" is in the future`);
  return hour;
}

function parseScheduleTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(time.getTime())) {
    throw new BadRequestError('x-cloudscheduler-scheduletime', `"${value}" is not an RFC 3339 time`);
  }
  return time;
}

/** Validates everything; throws BadRequestError (-> HTTP 400) naming the offending field. */
export function parseGenerateRequest(input: HttpInput, now: Date, limits: RequestLimits = DEFAULT_LIMITS): GenerateRequest {
  if (input.method !== 'POST') throw new BadRequestError('method', `must be POST, got ${input.method}`);
  const fields = collect(input, limits);
  const count = parseCount(fields.count, limits);
  const scheduleTime = parseScheduleTime(header(input, 'x-cloudscheduler-scheduletime'));
  const slotStart = fields.hour ? parseHour(fields.hour.value, now) : defaultSlot(scheduleTime, now);
  const keyHeader = header(input, 'idempotency-key');
  const keyField = fields.idempotencyKey?.value;
  if (keyHeader !== undefined && keyField !== undefined && keyHeader !== keyField) {
    throw new BadRequestError('idempotencyKey', 'differs from the Idempotency-Key header');
  }
  const key = keyField ?? keyHeader;
  if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
    throw new BadRequestError('idempotencyKey', `must match ${IDEMPOTENCY_KEY}, got ${JSON.stringify(key)}`);
  }
  return { slotStart, count, batchId: key === undefined ? batchIdForSlot(slotStart) : batchIdForKey(key) };
}
