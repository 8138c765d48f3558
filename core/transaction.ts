import {type Currency, isCurrency} from './money';

export const TRANSACTION_TYPES = [
  'purchase',
  'refund',
  'transfer',
  'withdrawal',
  'deposit',
  'fee',
] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/**
 * One financial transaction as it travels Cloud SQL -> Bigtable -> summaries.
 * `amountMinor` is always positive; the type says which way the money moved.
 */
export interface Transaction {
  id: string;
  /** The generation batch (one per scheduler slot) that produced the transaction. */
  batchId: string;
  occurredAt: Date;
  accountId: string;
  merchant: string;
  merchantCategory: string;
  type: TransactionType;
  amountMinor: bigint;
  currency: Currency;
}

export class TransactionError extends Error {
  readonly code = 'TRANSACTION_INVALID';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Ids are used inside Bigtable row keys, so they are restricted to a safe alphabet. */
export const ID_MAX_LENGTH = 64;
export const ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${ID_MAX_LENGTH}}$`);
export const MAX_AMOUNT_MINOR = 10n ** 15n;

export function isTransactionType(value: unknown): value is TransactionType {
  return (
    typeof value === 'string' &&
    (TRANSACTION_TYPES as readonly string[]).includes(value)
  );
}

/** Throws a TransactionError naming the first invalid field; returns the transaction when valid. */
export function validateTransaction(txn: Transaction): Transaction {
  if (!ID_PATTERN.test(txn.id))
    throw new TransactionError('id', `"${txn.id}" must match ${ID_PATTERN}`);
  if (!ID_PATTERN.test(txn.batchId))
    throw new TransactionError(
      'batchId',
      `"${txn.batchId}" must match ${ID_PATTERN}`,
    );
  if (
    !(txn.occurredAt instanceof Date) ||
    Number.isNaN(txn.occurredAt.getTime())
  ) {
    throw new TransactionError('occurredAt', 'must be a valid date');
  }
  const year = txn.occurredAt.getUTCFullYear();
  if (year < 2000 || year > 9999)
    throw new TransactionError(
      'occurredAt',
      `year ${year} is out of range 2000..9999`,
    );
  for (const field of ['accountId', 'merchant', 'merchantCategory'] as const) {
    const value = txn[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
      throw new TransactionError(
        field,
        'must be a non-empty string of at most 200 characters',
      );
    }
  }
  if (!isTransactionType(txn.type))
    throw new TransactionError(
      'type',
      `"${String(txn.type)}" is not one of ${TRANSACTION_TYPES.join(', ')}`,
    );
  if (!isCurrency(txn.currency))
    throw new TransactionError(
      'currency',
      `"${String(txn.currency)}" is not a supported currency`,
    );
  if (
    typeof txn.amountMinor !== 'bigint' ||
    txn.amountMinor <= 0n ||
    txn.amountMinor >= MAX_AMOUNT_MINOR
  ) {
    throw new TransactionError(
      'amountMinor',
      `must be a bigint in 1..${MAX_AMOUNT_MINOR - 1n}`,
    );
  }
  return txn;
}
