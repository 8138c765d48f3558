import {isCurrency} from '../money';
import {type CellEntry, RawEntry, type RawMutation} from './mutate-entries';
import {type ReadRow, newestText} from './read-rows';
import {decodeRowKey, encodeRowKey} from './row-key';
import type {TxnTableSchema} from '../resources';
import {
  type Transaction,
  TransactionError,
  isTransactionType,
  validateTransaction,
} from '../transaction';

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

/** The row's cells: family (by its role in the schema), qualifier, the value from the transaction. */
const TXN_CELLS: ReadonlyArray<
  readonly [
    family: keyof TxnTableSchema['families'],
    qualifier: string,
    value: (txn: Transaction) => string,
  ]
> = [
  ['transaction', TXN_COLUMNS.accountId, txn => txn.accountId],
  ['transaction', TXN_COLUMNS.merchant, txn => txn.merchant],
  ['transaction', TXN_COLUMNS.merchantCategory, txn => txn.merchantCategory],
  ['transaction', TXN_COLUMNS.type, txn => txn.type],
  ['transaction', TXN_COLUMNS.amountMinor, txn => txn.amountMinor.toString()],
  ['transaction', TXN_COLUMNS.currency, txn => txn.currency],
  ['delivery', DELIVERY_COLUMNS.batchId, txn => txn.batchId],
];
const QUALIFIER_BYTES = TXN_CELLS.map(([, qualifier]) =>
  Buffer.from(qualifier),
);

export function toRowEntry(
  txn: Transaction,
  schema: TxnTableSchema,
): TxnRowEntry {
  validateTransaction(txn);
  const timestamp = txn.occurredAt;
  const data: TxnRowEntry['data'] = {};
  for (const [family, qualifier, value] of TXN_CELLS)
    (data[schema.families[family]] ??= {})[qualifier] = {
      value: value(txn),
      timestamp,
    };
  return {key: encodeRowKey(txn.id, txn.occurredAt), data};
}

/**
 * The rows of many transactions as MutateRows entries, the SetCell mutations toRawEntry makes of
 * toRowEntry's rows, built straight from the transactions: no cell objects in between, and every
 * key and value of the batch encoded as one Buffer, each a view of it (a Buffer.from per text, eight
 * a row, was most of the encoding's CPU). Text beyond ASCII has more bytes than characters, so such
 * a batch is encoded text by text instead.
 */
export function toTxnRawEntries(
  txns: readonly Transaction[],
  schema: TxnTableSchema,
): RawEntry[] {
  const texts: string[] = [];
  for (const txn of txns) {
    validateTransaction(txn);
    texts.push(encodeRowKey(txn.id, txn.occurredAt));
    for (const [, , value] of TXN_CELLS) texts.push(value(txn));
  }
  const joined = texts.join('');
  const all = Buffer.from(joined);
  const ascii = all.length === joined.length;
  let offset = 0;
  let next = 0;
  const bytesOf = () => {
    const text = texts[next++]!;
    return ascii
      ? all.subarray(offset, (offset += text.length))
      : Buffer.from(text);
  };
  const families = TXN_CELLS.map(([family]) => schema.families[family]);
  return txns.map(txn => {
    const rowKey = bytesOf();
    const timestampMicros = txn.occurredAt.getTime() * 1000;
    const mutations: RawMutation[] = new Array(TXN_CELLS.length);
    for (let i = 0; i < TXN_CELLS.length; i++) {
      mutations[i] = {
        setCell: {
          familyName: families[i]!,
          columnQualifier: QUALIFIER_BYTES[i]!,
          timestampMicros,
          value: bytesOf(),
        },
      };
    }
    return new RawEntry(rowKey, mutations);
  });
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
  if (value === undefined)
    throw new MalformedRowError(row.id, `missing ${family}:${qualifier}`);
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
  if (!isTransactionType(type))
    throw new MalformedRowError(row.id, `unknown type "${type}"`);
  if (!isCurrency(currency))
    throw new MalformedRowError(row.id, `unknown currency "${currency}"`);
  if (!MINOR_PATTERN.test(amount))
    throw new MalformedRowError(
      row.id,
      `amount_minor "${amount}" is not a positive integer`,
    );
  const txn: Transaction = {
    id: decodedKey.id,
    batchId: newestValue(
      row,
      schema.families.delivery,
      DELIVERY_COLUMNS.batchId,
    ),
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
    if (error instanceof TransactionError)
      throw new MalformedRowError(row.id, error.message);
    throw error;
  }
}
