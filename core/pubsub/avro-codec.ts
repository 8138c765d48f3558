import * as avro from 'avsc';

/**
 * Encoding and decoding messages of an AVRO-schema topic with avsc, in the topic's own encoding.
 *
 * Two departures from avsc's defaults, both for exact values:
 * - `long` is a JavaScript bigint (avsc's default is a number, exact only up to 2^53; money in
 *   minor units may need all 63 bits). In JSON it is written as a bare integer literal of any size
 *   (JSON.rawJSON), and read back exactly (JSON.parse's source text), as Avro's JSON encoding wants.
 * - `timestamp-millis` is a Date.
 */
export type AvroEncoding = 'JSON' | 'BINARY';

export class AvroRecordError extends Error {
  readonly code = 'AVRO_RECORD_INVALID';
  constructor(
    readonly problems: readonly string[],
    schemaName: string,
  ) {
    super(`record does not match ${schemaName}: ${problems.join('; ')}`);
    this.name = 'AvroRecordError';
  }
}

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

const toBigInt = (value: unknown): bigint =>
  typeof value === 'bigint' ? value : BigInt(value as number);

const BigLong = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(value);
    return buffer;
  },
  fromJSON: toBigInt,
  toJSON: (value: bigint) =>
    (JSON as unknown as {rawJSON(text: string): unknown}).rawJSON(
      value.toString(),
    ),
  isValid: (value: unknown) =>
    typeof value === 'bigint' && value >= MIN_LONG && value <= MAX_LONG,
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

class TimestampMillis extends avro.types.LogicalType {
  // The underlying long of a logical type is avsc's own (a number): milliseconds fit it exactly.
  override _fromValue(value: number | bigint): Date {
    return new Date(Number(value));
  }
  override _toValue(value: unknown): number | undefined {
    return value instanceof Date && !Number.isNaN(value.getTime())
      ? value.getTime()
      : undefined;
  }
  override _resolve(type: avro.Type) {
    if (avro.Type.isType(type, 'long', 'logical:timestamp-millis'))
      return (value: unknown) => value;
    return undefined;
  }
}

export interface AvroCodec {
  readonly encoding: AvroEncoding;
  readonly type: avro.Type;
  /** Validates, then encodes; throws AvroRecordError naming every field that is off. */
  encode(record: Record<string, unknown>): Buffer;
  /** Decodes a message body written with this schema (any encoding given). */
  decode(data: Buffer, encoding?: AvroEncoding): Record<string, unknown>;
  /** The record's fields in schema order, a field left out taking its default (or an error). */
  complete(values: Record<string, unknown>): Record<string, unknown>;
}

/** A type of the schema text, with bigint longs and Date timestamps. */
export function avroType(definition: string): avro.Type {
  return avro.Type.forSchema(JSON.parse(definition) as avro.Schema, {
    registry: {long: BigLong},
    logicalTypes: {'timestamp-millis': TimestampMillis},
  });
}

function integersExact(
  this: unknown,
  _key: string,
  value: unknown,
  context?: {source?: string},
): unknown {
  if (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    !Number.isSafeInteger(value) &&
    context?.source
  )
    return BigInt(context.source);
  return value;
}

export function avroCodec(
  definition: string,
  encoding: AvroEncoding,
): AvroCodec {
  const type = avroType(definition);
  const name = type.name ?? 'the schema';
  const fields = (type as avro.types.RecordType).fields;
  if (!fields) throw new Error(`${name} is not an AVRO record schema`);

  const validate = (record: Record<string, unknown>) => {
    const problems: string[] = [];
    type.isValid(record, {
      errorHook: (path, value) =>
        problems.push(`${path.join('.') || '(record)'} = ${describe(value)}`),
    });
    if (problems.length > 0) throw new AvroRecordError(problems, name);
  };

  return {
    encoding,
    type,
    encode(record) {
      validate(record);
      return encoding === 'BINARY'
        ? type.toBuffer(record)
        : Buffer.from(type.toString(record), 'utf8');
    },
    decode(data, as = encoding) {
      if (as === 'BINARY')
        return type.fromBuffer(data) as Record<string, unknown>;
      // What type.fromString does, with a JSON.parse that keeps large integers exact.
      const parsed = (
        JSON.parse as (text: string, reviver: typeof integersExact) => unknown
      )(data.toString('utf8'), integersExact);
      return (
        type as unknown as {
          _copy(
            value: unknown,
            options: {coerce: number},
          ): Record<string, unknown>;
        }
      )._copy(parsed, {coerce: 2});
    },
    complete(values) {
      const record: Record<string, unknown> = {};
      const missing: string[] = [];
      for (const field of fields) {
        if (values[field.name] !== undefined)
          record[field.name] = values[field.name];
        else if (field.defaultValue() !== undefined)
          record[field.name] = field.defaultValue();
        else missing.push(`${field.name} is missing and has no default`);
      }
      if (missing.length > 0) throw new AvroRecordError(missing, name);
      return record;
    },
  };
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date)
    return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  const text = JSON.stringify(value);
  return text === undefined
    ? String(value)
    : text.length > 80
      ? `${text.slice(0, 77)}...`
      : text;
}
