import {CURRENCIES, type Currency} from './money';
import {
  ID_MAX_LENGTH,
  ID_PATTERN,
  MAX_AMOUNT_MINOR,
  TRANSACTION_TYPES,
  type Transaction,
  TransactionError,
  type TransactionType,
  validateTransaction,
} from './transaction';

/**
 * Many transactions as one buffer of their fields' bytes: how a claim comes back from the database
 * (one binary value a row, packed by the SELECT, see core/sql/transactions.ts) so that no string,
 * Date or object per field is built on the way to Bigtable, whose cells take the same bytes.
 *
 * Each transaction is its PACKED_FIELDS in order, each as a 2-byte big-endian length and that many
 * bytes (text as UTF-8, `occurredAt` as `yyyy-mm-dd hh:mm:ss.SSS` in UTC, a DATETIME(3)'s text, `amountMinor` as decimal
 * digits), then two bytes: the type's and the currency's 1-based position in TRANSACTION_TYPES and
 * CURRENCIES, 0 for a value in neither.
 */
export const PACKED_FIELDS = [
  'id',
  'batchId',
  'occurredAt',
  'accountId',
  'merchant',
  'merchantCategory',
  'type',
  'amountMinor',
  'currency',
] as const;
export type PackedField = (typeof PACKED_FIELDS)[number];
const FIELD_COUNT = PACKED_FIELDS.length;
const FIELD: {readonly [F in PackedField]: number} = Object.fromEntries(
  PACKED_FIELDS.map((name, i) => [name, i]),
) as {[F in PackedField]: number};
/** The 1-based positions the two trailing bytes refer to. */
export const PACKED_TYPES = TRANSACTION_TYPES;
export const PACKED_CURRENCIES = CURRENCIES;

export class PackedTransactionsError extends Error {
  readonly code = 'PACKED_TRANSACTIONS_INVALID';
}

/** A stored transaction that does not validate, named by its id. */
export class StoredTransactionError extends Error {
  readonly code = 'STORED_TRANSACTION_INVALID';
}

const OCCURRED_AT_BYTES = 23;
const MIN_MS = Date.UTC(2000, 0, 1);
const MAX_MS = Date.UTC(10000, 0, 1);
const MAX_DIGITS = String(MAX_AMOUNT_MINOR - 1n).length;
/** Text at most this long in bytes is at most this long in characters, whatever it holds. */
const TEXT_BYTES = 200;

/** The bytes of ID_PATTERN's alphabet, read off the pattern itself. */
const ID_BYTE = Uint8Array.from({length: 256}, (_, c) =>
  ID_PATTERN.test(String.fromCharCode(c)) ? 1 : 0,
);

/** The decimal number of `count` digits at `at`; NaN if any is not a digit. */
function digits(bytes: Buffer, at: number, count: number): number {
  let value = 0;
  for (let k = at; k < at + count; k++) {
    const digit = bytes[k]! - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

export class PackedTransactions {
  /** `start[i * FIELD_COUNT + f]`: where field f of transaction i begins; `end` likewise. */
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly trailer: Int32Array;

  /** `count` is how many transactions the buffer holds: exactly those, or it is refused. */
  constructor(
    readonly bytes: Buffer,
    readonly count: number,
  ) {
    this.starts = new Int32Array(count * FIELD_COUNT);
    this.ends = new Int32Array(count * FIELD_COUNT);
    this.trailer = new Int32Array(count);
    let at = 0;
    for (let i = 0; i < count; i++) {
      for (let f = 0; f < FIELD_COUNT; f++) {
        if (at + 2 > bytes.length) break;
        const length = (bytes[at]! << 8) | bytes[at + 1]!;
        at += 2;
        this.starts[i * FIELD_COUNT + f] = at;
        this.ends[i * FIELD_COUNT + f] = at += length;
      }
      this.trailer[i] = at;
      at += 2;
      if (at > bytes.length) break;
    }
    if (at !== bytes.length)
      throw new PackedTransactionsError(
        `packed transactions: ${bytes.length} bytes do not hold exactly ${count} transactions`,
      );
  }

  /** Where field `field` (its index in PACKED_FIELDS) of transaction i begins in `bytes`. */
  startOf(i: number, field: number): number {
    return this.starts[i * FIELD_COUNT + field]!;
  }

  /** Where that field ends. */
  endOf(i: number, field: number): number {
    return this.ends[i * FIELD_COUNT + field]!;
  }

  /** The id, read as Latin-1: only meaningful for an id isPlain accepted (ASCII). */
  id(i: number): string {
    const f = i * FIELD_COUNT;
    return this.bytes.toString('latin1', this.starts[f]!, this.ends[f]!);
  }

  /** Milliseconds since the epoch of `occurredAt`, NaN unless it has the packed shape. */
  occurredAtMs(i: number): number {
    const f = i * FIELD_COUNT + FIELD.occurredAt;
    const at = this.starts[f]!;
    const b = this.bytes;
    if (this.ends[f]! - at !== OCCURRED_AT_BYTES) return NaN;
    return Date.UTC(
      digits(b, at, 4),
      digits(b, at + 5, 2) - 1,
      digits(b, at + 8, 2),
      digits(b, at + 11, 2),
      digits(b, at + 14, 2),
      digits(b, at + 17, 2),
      digits(b, at + 20, 3),
    );
  }

  /**
   * Whether the transaction plainly passes validateTransaction, judged from its bytes alone and
   * erring towards no: ids of ID_PATTERN's alphabet, a time in the years 2000-9999, text of 1 to
   * TEXT_BYTES bytes, a known type and currency, an amount of digits in 1..MAX_AMOUNT_MINOR-1.
   * Anything else is for `transaction(i)`, which decodes it in full and validates it.
   */
  isPlain(i: number): boolean {
    const f = i * FIELD_COUNT;
    if (!this.isIdText(f + FIELD.id) || !this.isIdText(f + FIELD.batchId))
      return false;
    const ms = this.occurredAtMs(i);
    if (!(ms >= MIN_MS && ms < MAX_MS)) return false;
    if (
      !this.isShortText(f + FIELD.accountId) ||
      !this.isShortText(f + FIELD.merchant) ||
      !this.isShortText(f + FIELD.merchantCategory)
    )
      return false;
    const b = this.bytes;
    const t = this.trailer[i]!;
    if (b[t] === 0 || b[t + 1] === 0) return false;
    const from = this.starts[f + FIELD.amountMinor]!;
    const to = this.ends[f + FIELD.amountMinor]!;
    if (to - from < 1 || to - from > MAX_DIGITS || b[from] === 0x30)
      return false;
    for (let k = from; k < to; k++)
      if (b[k]! < 0x30 || b[k]! > 0x39) return false;
    return true;
  }

  private isIdText(f: number): boolean {
    const from = this.starts[f]!;
    const to = this.ends[f]!;
    if (to - from < 1 || to - from > ID_MAX_LENGTH) return false;
    for (let k = from; k < to; k++)
      if (ID_BYTE[this.bytes[k]!] === 0) return false;
    return true;
  }

  private isShortText(f: number): boolean {
    const length = this.ends[f]! - this.starts[f]!;
    return length >= 1 && length <= TEXT_BYTES;
  }

  /** The transaction in full, validated (a TransactionError names the first bad field). */
  transaction(i: number): Transaction {
    const text = (field: PackedField) => {
      const f = i * FIELD_COUNT + FIELD[field];
      return this.bytes.toString('utf8', this.starts[f]!, this.ends[f]!);
    };
    const amount = text('amountMinor');
    try {
      return validateTransaction({
        id: text('id'),
        batchId: text('batchId'),
        occurredAt: new Date(`${text('occurredAt').replace(' ', 'T')}Z`),
        accountId: text('accountId'),
        merchant: text('merchant'),
        merchantCategory: text('merchantCategory'),
        type: text('type') as TransactionType,
        // Not digits: left as text, which validateTransaction refuses by name.
        amountMinor: /^-?\d+$/.test(amount)
          ? BigInt(amount)
          : (amount as unknown as bigint),
        currency: text('currency') as Currency,
      });
    } catch (error) {
      if (!(error instanceof TransactionError)) throw error;
      throw new StoredTransactionError(
        `transaction ${text('id')}: ${error.message}`,
        {cause: error},
      );
    }
  }
}
