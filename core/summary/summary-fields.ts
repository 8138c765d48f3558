import {type Currency, isCurrency} from '../money';
import type {TxnTableSchema} from '../resources';
import {saltOf} from '../bigtable/row-key';
import {
  MAX_AMOUNT_MINOR,
  type TransactionType,
  TRANSACTION_TYPES,
} from '../transaction';
import {newestText, type ReadRow} from '../bigtable/read-rows';
import {
  DELIVERY_COLUMNS,
  fromRow,
  MalformedRowError,
  TXN_COLUMNS,
} from '../bigtable/txn-row';

/** What a summary needs of a transaction. */
export interface SummaryFields {
  type: TransactionType;
  currency: Currency;
  amountMinor: bigint;
}

/** salt#yyyy-mm-dd#hh:mm:ss.SSS#id, fixed widths: the id starts at 27. */
const KEY =
  /^\d{2}#\d{4}-\d{2}-\d{2}#(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}#[A-Za-z0-9_-]{1,64}$/;
const ID_START = 27;
const BATCH_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MINOR = /^[1-9]\d{0,17}$/;
const TYPES: ReadonlySet<string> = new Set(TRANSACTION_TYPES);

function isText(value: string | undefined): value is string {
  return value !== undefined && value.length > 0 && value.length <= 200;
}

/**
 * The summary's fields of a `txn_tbl` row of `day`, checked by exactly the rules of `fromRow`
 * (test/core/summary/summary-fields.test.ts holds the two to agreement), but without building a
 * Transaction, Dates or closures per row: the job decodes every row of a day, and this is most of
 * its own CPU. A row it refuses is handed to `fromRow` for the canonical reason.
 */
export function summaryFieldsOf(
  row: ReadRow,
  schema: TxnTableSchema,
  day: string,
): SummaryFields {
  const key = row.id;
  const txn = row.data[schema.families.transaction];
  const type = newestText(txn, TXN_COLUMNS.type);
  const currency = newestText(txn, TXN_COLUMNS.currency);
  const amount = newestText(txn, TXN_COLUMNS.amountMinor);
  if (
    KEY.test(key) &&
    key.slice(3, 13) === day &&
    Number(key.slice(3, 7)) >= 2000 &&
    Number(key.slice(0, 2)) === saltOf(key.slice(ID_START)) &&
    type !== undefined &&
    TYPES.has(type) &&
    isCurrency(currency) &&
    amount !== undefined &&
    MINOR.test(amount) &&
    isText(newestText(txn, TXN_COLUMNS.accountId)) &&
    isText(newestText(txn, TXN_COLUMNS.merchant)) &&
    isText(newestText(txn, TXN_COLUMNS.merchantCategory)) &&
    BATCH_ID.test(
      newestText(
        row.data[schema.families.delivery],
        DELIVERY_COLUMNS.batchId,
      ) ?? '',
    )
  ) {
    const amountMinor = BigInt(amount);
    if (amountMinor < MAX_AMOUNT_MINOR)
      return {type: type as TransactionType, currency, amountMinor};
  }
  fromRow(row, schema); // throws MalformedRowError with the reason
  throw new MalformedRowError(row.id, `not a transaction of ${day}`);
}
