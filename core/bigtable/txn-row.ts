import {isCurrency} from '../money';
import {type CellEntry, type RawEntry, toRawEntry} from './raw-entry';
import {
  type EncodedEntries,
  checkedEnds,
  encodeEntries,
  entryFieldLength,
  setCellFieldLength,
  writeEntryHead,
  writeSetCell,
} from './mutate-rows-wire';
import {nameBytes} from './wire';
import {WireWriter} from './wire';
import {
  PACKED_FIELDS,
  type PackedField,
  type PackedTransactions,
} from '../packed-transactions';
import {type ReadRow, newestText} from './read-rows';
import {decodeRowKey, encodeRowKey, rowKeyBytes, writeRowKey} from './row-key';
import type {TxnTableSchema} from '../resources';
import {
  ID_MAX_LENGTH,
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

/** The row's cells: family (by its role in the schema), qualifier, the transaction's field. */
const TXN_CELLS: ReadonlyArray<
  readonly [
    family: keyof TxnTableSchema['families'],
    qualifier: string,
    field: Exclude<PackedField, 'id' | 'occurredAt'>,
  ]
> = [
  ['transaction', TXN_COLUMNS.accountId, 'accountId'],
  ['transaction', TXN_COLUMNS.merchant, 'merchant'],
  ['transaction', TXN_COLUMNS.merchantCategory, 'merchantCategory'],
  ['transaction', TXN_COLUMNS.type, 'type'],
  ['transaction', TXN_COLUMNS.amountMinor, 'amountMinor'],
  ['transaction', TXN_COLUMNS.currency, 'currency'],
  ['delivery', DELIVERY_COLUMNS.batchId, 'batchId'],
];
const QUALIFIER_BYTES = TXN_CELLS.map(([, qualifier]) =>
  Buffer.from(qualifier),
);
const PACKED_INDEX = TXN_CELLS.map(([, , field]) =>
  PACKED_FIELDS.indexOf(field),
);

export function toRowEntry(
  txn: Transaction,
  schema: TxnTableSchema,
): TxnRowEntry {
  validateTransaction(txn);
  const timestamp = txn.occurredAt;
  const data: TxnRowEntry['data'] = {};
  for (const [family, qualifier, field] of TXN_CELLS)
    (data[schema.families[family]] ??= {})[qualifier] = {
      value: field === 'amountMinor' ? txn.amountMinor.toString() : txn[field],
      timestamp,
    };
  return {key: encodeRowKey(txn.id, txn.occurredAt), data};
}

/** The rows of many transactions as MutateRows entries (validated first: a TransactionError names the bad field). */
export function toTxnRawEntries(
  txns: readonly Transaction[],
  schema: TxnTableSchema,
): RawEntry[] {
  return txns.map(txn => toRawEntry(toRowEntry(txn, schema)));
}

/** Packed transactions as their MutateRows entries: entry i is the row of `ids[i]`, which occurred at `occurredAtMs[i]`. */
export interface TxnEntries {
  ids: string[];
  occurredAtMs: number[];
  entries: EncodedEntries;
}

/**
 * The entries toTxnRawEntries makes of the same transactions, in wire format, written straight
 * from their packed bytes: each cell's value is copied from the packed buffer (the database's
 * UTF-8 is the cell's UTF-8), and no string, Date, cell or mutation object per field is made.
 * A row the bytes alone do not show valid (`isPlain`) is decoded in full and validated: a
 * StoredTransactionError names it, or it is encoded from its decoded fields.
 */
export function packedTxnEntries(
  packed: PackedTransactions,
  schema: TxnTableSchema,
): TxnEntries {
  const count = packed.count;
  const ids = new Array<string>(count);
  const occurredAtMs = new Array<number>(count);
  // Rows decoded in full, each already encoded on its own; the others are written below.
  const decoded = new Map<number, EncodedEntries>();
  const keys = Buffer.allocUnsafe(count * rowKeyBytes(ID_MAX_LENGTH));
  const keyEnds = new Uint32Array(count);
  const mutationBytes = new Array<number>(count);
  const families = TXN_CELLS.map(([family]) =>
    nameBytes(schema.families[family]),
  );
  const timeField = PACKED_FIELDS.indexOf('occurredAt');
  let keyAt = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (!packed.isPlain(i)) {
      const txn = packed.transaction(i);
      const entry = encodeEntries([toRawEntry(toRowEntry(txn, schema))]);
      decoded.set(i, entry);
      ids[i] = txn.id;
      occurredAtMs[i] = txn.occurredAt.getTime();
      keyEnds[i] = keyAt;
      total += entry.bytes.length;
      continue;
    }
    const id = packed.id(i);
    const ms = packed.occurredAtMs(i);
    const keyStart = keyAt;
    keyAt = writeRowKey(
      keys,
      keyAt,
      id,
      packed.bytes,
      packed.startOf(i, timeField),
    );
    keyEnds[i] = keyAt;
    const micros = ms * 1000;
    let length = 0;
    for (let c = 0; c < TXN_CELLS.length; c++) {
      const field = PACKED_INDEX[c]!;
      length += setCellFieldLength(
        families[c]!.length,
        QUALIFIER_BYTES[c]!.length,
        micros,
        packed.endOf(i, field) - packed.startOf(i, field),
      );
    }
    mutationBytes[i] = length;
    total += entryFieldLength(keyAt - keyStart, length);
    ids[i] = id;
    occurredAtMs[i] = ms;
  }
  const out = new WireWriter(Buffer.allocUnsafe(total));
  const ends = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const entry = decoded.size === 0 ? undefined : decoded.get(i);
    if (entry) out.copy(entry.bytes, 0, entry.bytes.length);
    else {
      writeEntryHead(
        out,
        mutationBytes[i]!,
        keys,
        i === 0 ? 0 : keyEnds[i - 1]!,
        keyEnds[i]!,
      );
      const micros = occurredAtMs[i]! * 1000;
      for (let c = 0; c < TXN_CELLS.length; c++) {
        const field = PACKED_INDEX[c]!;
        writeSetCell(
          out,
          families[c]!,
          QUALIFIER_BYTES[c]!,
          micros,
          packed.bytes,
          packed.startOf(i, field),
          packed.endOf(i, field),
        );
      }
    }
    ends[i] = out.written;
  }
  return {
    ids,
    occurredAtMs,
    entries: {bytes: out.buffer, ends: checkedEnds(ends, total, out.written)},
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
