import { isCurrency } from '../money';
import type { CellEntry } from './mutate-entries';
import { type ReadRow, newestText } from './read-rows';
import { decodeRowKey, encodeRowKey } from './row-key';
import type { TxnTableSchema } from '../resources';
import { type Transaction, TransactionError, isTransactionType, validateTransaction } from '../transaction';

/**
 * How a Transaction is stored as a `txn_tbl` row.
 *
 * Every cell carries the transaction's own time as its timestamp, so writing the same transaction
 * again (a redelivered signal, a retried batch) replaces the same cells instead of adding versions:
 * the table's content after N deliveries is identical to one delivery.
 */
export const TXN_COLUMNS = {
  accountId: 'account_id',
  merchant: 'merchant',
  merchantCategory: 'merchant_category',
  type: 'type',
  amountMinor: 'amount_minor',
  currency: 'currency',
} as const;

export const DELIVERY_COLUMNS = {
  batchId: 'batch_id',
  /** Set by bigtableToAvro once the row is published; never written by replication. */
  passedToPubSub: 'passed_to_pub_sub',
} as const;

/** A `txn_tbl` row to write (families by the schema's names). */
export type TxnRowEntry = CellEntry;

export function toRowEntry(txn: Transaction, schema: TxnTableSchema): TxnRowEntry {
  validateTransaction(txn);
  const timestamp = txn.occurredAt;
  const cell = (value: string) => ({ value, timestamp });
  return {
    key: encodeRowKey(txn.id, txn.occurredAt),
    data: {
      [schema.families.transaction]: {
        [TXN_COLUMNS.accountId]: cell(txn.accountId),
        [TXN_COLUMNS.merchant]: cell(txn.merchant),
        [TXN_COLUMNS.merchantCategory]: cell(txn.merchantCategory),
        [TXN_COLUMNS.type]: cell(txn.type),
        [TXN_COLUMNS.amountMinor]: cell(txn.amountMinor.toString()),
        [TXN_COLUMNS.currency]: cell(txn.currency),
      },
      [schema.families.delivery]: {
        [DELIVERY_COLUMNS.batchId]: cell(txn.batchId),
      },
    },
  };
}

export class MalformedRowError extends Error {
  readonly code = 'TXN_ROW_MALFORMED';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`row ${key}: ${reason}`);
  }
}

function newestValue(row: ReadRow, family: string, qualifier: string): string {
  const value = newestText(row.data[family], qualifier);
  if (value === undefined) throw new MalformedRowError(row.id, `missing ${family}:${qualifier}`);
  return value;
}

const MINOR_PATTERN = /^[1-9]\d{0,17}$/;

/** Decodes a row back into a Transaction; throws MalformedRowError (with the key) for anything off. */
export function fromRow(row: ReadRow, schema: TxnTableSchema): Transaction {
  let decodedKey;
  try {
    decodedKey = decodeRowKey(row.id);
  } catch (error) {
    throw new MalformedRowError(row.id, (error as Error).message);
  }
  const family = schema.families.transaction;
  const get = (qualifier: string) => newestValue(row, family, qualifier);
  const type = get(TXN_COLUMNS.type);
  const currency = get(TXN_COLUMNS.currency);
  const amount = get(TXN_COLUMNS.amountMinor);
  if (!isTransactionType(type)) throw new MalformedRowError(row.id, `unknown type "${type}"`);
  if (!isCurrency(currency)) throw new MalformedRowError(row.id, `unknown currency "${currency}"`);
  if (!MINOR_PATTERN.test(amount)) throw new MalformedRowError(row.id, `amount_minor "${amount}" is not a positive integer`);
  const txn: Transaction = {
    id: decodedKey.id,
    batchId: newestValue(row, schema.families.delivery, DELIVERY_COLUMNS.batchId),
    occurredAt: decodedKey.occurredAt,
    accountId: get(TXN_COLUMNS.accountId),
    merchant: get(TXN_COLUMNS.merchant),
    merchantCategory: get(TXN_COLUMNS.merchantCategory),
    type,
    amountMinor: BigInt(amount),
    currency,
  };
  try {
    return validateTransaction(txn);
  } catch (error) {
    if (error instanceof TransactionError) throw new MalformedRowError(row.id, error.message);
    throw error;
  }
}
