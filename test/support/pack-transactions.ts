/** Transactions packed in JavaScript exactly as the database packs them (core/packed-transactions.ts). */
import {
  PACKED_CURRENCIES,
  PACKED_FIELDS,
  PACKED_TYPES,
  PackedTransactions,
} from '../../core/packed-transactions';
import type {Transaction} from '../../core/transaction';

function fieldText(txn: Transaction, field: (typeof PACKED_FIELDS)[number]) {
  if (field === 'occurredAt')
    return txn.occurredAt.toISOString().slice(0, 23).replace('T', ' ');
  if (field === 'amountMinor') return txn.amountMinor.toString();
  return txn[field];
}

export function packTransactions(
  txns: readonly Transaction[],
): PackedTransactions {
  const parts: Buffer[] = [];
  for (const txn of txns) {
    for (const field of PACKED_FIELDS) {
      const bytes = Buffer.from(fieldText(txn, field));
      const length = Buffer.alloc(2);
      length.writeUInt16BE(bytes.length);
      parts.push(length, bytes);
    }
    parts.push(
      Buffer.from([
        (PACKED_TYPES as readonly string[]).indexOf(txn.type) + 1,
        (PACKED_CURRENCIES as readonly string[]).indexOf(txn.currency) + 1,
      ]),
    );
  }
  return new PackedTransactions(Buffer.concat(parts), txns.length);
}
