/**
 * The message httpGenerate publishes after committing a batch. It is only a signal ("there is new
 * work"): replication reads the database, so a lost or duplicated signal loses or duplicates nothing.
 * The facts travel both as attributes (for filtering and dashboards) and as the JSON body.
 */
export interface BatchSignal {
  batchId: string;
  rowCount: number;
  slotStart: Date;
  firstOccurredAt: Date | null;
  lastOccurredAt: Date | null;
}

export function signalAttributes(signal: BatchSignal): Record<string, string> {
  return {
    batchId: signal.batchId,
    rowCount: String(signal.rowCount),
    slotStart: signal.slotStart.toISOString(),
    firstOccurredAt: signal.firstOccurredAt?.toISOString() ?? '',
    lastOccurredAt: signal.lastOccurredAt?.toISOString() ?? '',
  };
}

export function encodeSignal(signal: BatchSignal): Buffer {
  return Buffer.from(JSON.stringify(signalAttributes(signal)), 'utf8');
}

export class MalformedSignalError extends Error {
  readonly code = 'SIGNAL_MALFORMED';
}

function instant(
  value: unknown,
  field: string,
  optional: boolean,
): Date | null {
  if (optional && (value === '' || value === undefined || value === null))
    return null;
  if (typeof value !== 'string')
    throw new MalformedSignalError(`${field} is missing`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new MalformedSignalError(`${field} "${value}" is not a timestamp`);
  return date;
}

/** Reads a signal from a message's JSON body; throws MalformedSignalError naming what is wrong. */
export function decodeSignal(data: Buffer | string | undefined): BatchSignal {
  if (data === undefined || data.length === 0)
    throw new MalformedSignalError('message has no data');
  let body: unknown;
  try {
    body = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    throw new MalformedSignalError('message data is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new MalformedSignalError('message data is not a JSON object');
  const fields = body as Record<string, unknown>;
  if (typeof fields.batchId !== 'string' || fields.batchId === '')
    throw new MalformedSignalError('batchId is missing');
  if (typeof fields.rowCount !== 'string' || !/^\d+$/.test(fields.rowCount))
    throw new MalformedSignalError('rowCount is not a count');
  return {
    batchId: fields.batchId,
    rowCount: Number(fields.rowCount),
    slotStart: instant(fields.slotStart, 'slotStart', false)!,
    firstOccurredAt: instant(fields.firstOccurredAt, 'firstOccurredAt', true),
    lastOccurredAt: instant(fields.lastOccurredAt, 'lastOccurredAt', true),
  };
}
