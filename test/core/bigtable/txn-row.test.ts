import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {defaultResources} from '../../../core/resources';
import type {ReadRow} from '../../../core/bigtable/read-rows';
import {asReadRow} from '../../support/read-row';
import {
  MalformedRowError,
  fromRow,
  toRowEntry,
} from '../../../core/bigtable/txn-row';
import {
  type Transaction,
  TransactionError,
  validateTransaction,
} from '../../../core/transaction';

const schema = defaultResources('test-project').bigtable.txn;
const txn: Transaction = {
  id: 'b1-000042',
  batchId: 'b1',
  occurredAt: new Date('2026-11-26T13:45:12.345Z'),
  accountId: 'ACC-0001',
  merchant: 'Acme Coffee',
  merchantCategory: 'restaurants',
  type: 'purchase',
  amountMinor: 1234n,
  currency: 'USD',
};

test('a transaction survives the row codec unchanged, cells stamped with its own time', () => {
  const entry = toRowEntry(txn, schema);
  for (const columns of Object.values(entry.data))
    for (const cell of Object.values(columns))
      assert.is(cell.timestamp.getTime(), txn.occurredAt.getTime());
  assert.equal(fromRow(asReadRow(entry), schema), txn);
});

test('malformed rows are reported with their key', () => {
  const good = asReadRow(toRowEntry(txn, schema));
  const broken = (mutate: (row: ReadRow) => void): ReadRow => {
    const copy = structuredClone(good);
    mutate(copy);
    return copy;
  };
  const cases: ReadRow[] = [
    broken(row => (row.id = 'not-a-key')),
    broken(row => delete row.data.txn!.amount_minor),
    broken(row => (row.data.txn!.amount_minor = [{value: '12.34'}])),
    broken(row => (row.data.txn!.currency = [{value: 'XXX'}])),
    broken(row => (row.data.txn!.type = [{value: 'theft'}])),
    broken(row => (row.data.txn!.merchant = [{value: ''}])),
    broken(row => delete row.data.delivery),
  ];
  for (const row of cases) {
    try {
      fromRow(row, schema);
      assert.unreachable(`accepted ${JSON.stringify(row)}`);
    } catch (error) {
      assert.instance(error, MalformedRowError);
      assert.is((error as MalformedRowError).key, row.id);
    }
  }
});

test('validation names the bad field', () => {
  const bad: Array<[Partial<Transaction>, string]> = [
    [{amountMinor: 0n}, 'amountMinor'],
    [{amountMinor: -5n}, 'amountMinor'],
    [{currency: 'usd' as never}, 'currency'],
    [{type: 'gift' as never}, 'type'],
    [{id: 'a b'}, 'id'],
    [{occurredAt: new Date('nope')}, 'occurredAt'],
    [{accountId: ''}, 'accountId'],
  ];
  for (const [change, field] of bad) {
    assert.throws(
      () => validateTransaction({...txn, ...change}),
      (error: unknown) =>
        error instanceof TransactionError && error.field === field,
      field,
    );
  }
});

test.run();
