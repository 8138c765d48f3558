import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {loadGenerator} from '../../core/generation/generator';
import {batchIdForKey} from '../../core/generation/slot';
import {
  PackedTransactions,
  PackedTransactionsError,
  StoredTransactionError,
} from '../../core/packed-transactions';
import {encodeEntries} from '../../core/bigtable/mutate-rows-wire';
import {packedTxnEntries, toTxnRawEntries} from '../../core/bigtable/txn-row';
import {defaultResources} from '../../core/resources';
import type {Transaction} from '../../core/transaction';
import {packTransactions} from '../support/pack-transactions';

const schema = defaultResources('test-project').bigtable.txn;

async function generated(count: number): Promise<Transaction[]> {
  return (await loadGenerator()).generate({
    batchId: batchIdForKey('packed'),
    slotStart: new Date('2026-11-20T14:00:00.000Z'),
    count,
  });
}

test('packed rows make exactly the entries the transactions make, with their ids and times', async () => {
  const txns = await generated(500);
  const packed = packTransactions(txns);
  for (let i = 0; i < txns.length; i++) assert.ok(packed.isPlain(i));
  const encoded = packedTxnEntries(packed, schema);
  // Byte for byte the wire format of the entries the transactions make.
  assert.equal(encoded.entries, encodeEntries(toTxnRawEntries(txns, schema)));
  assert.equal(
    encoded.ids,
    txns.map(t => t.id),
  );
  assert.equal(
    encoded.occurredAtMs,
    txns.map(t => t.occurredAt.getTime()),
  );
  assert.equal(
    Array.from({length: packed.count}, (_, i) => packed.transaction(i)),
    txns,
  );
});

test('a valid row its bytes alone cannot vouch for (text longer in bytes than characters) is decoded in full and encoded the same', async () => {
  const txns = await generated(3);
  txns[1] = {
    ...txns[1]!,
    merchant: 'é'.repeat(150),
    merchantCategory: 'Café ☕',
  };
  const packed = packTransactions(txns);
  assert.not.ok(packed.isPlain(1), '300 bytes for 150 characters');
  assert.ok(packed.isPlain(2));
  assert.equal(
    packedTxnEntries(packed, schema).entries,
    encodeEntries(toTxnRawEntries(txns, schema)),
  );
});

test('an invalid stored row is refused by name, with the field that is wrong', async () => {
  const [good] = await generated(1);
  const cases: Array<[Partial<Record<keyof Transaction, unknown>>, RegExp]> = [
    [{currency: 'XXX'}, /currency: "XXX" is not a supported currency/],
    [{type: 'gift'}, /type: "gift" is not one of/],
    [{amountMinor: 0n}, /amountMinor: must be a bigint in 1\.\./],
    [{amountMinor: 10n ** 15n}, /amountMinor/],
    [{batchId: 'has space'}, /batchId: "has space" must match/],
    [{accountId: ''}, /accountId: must be a non-empty string/],
    [
      {occurredAt: new Date('1999-12-31T23:59:59.999Z')},
      /occurredAt: year 1999/,
    ],
  ];
  for (const [change, message] of cases) {
    const bad = {...good!, ...change} as Transaction;
    const packed = packTransactions([good!, bad]);
    assert.not.ok(
      packed.isPlain(1),
      JSON.stringify(change, (_, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
    try {
      packedTxnEntries(packed, schema);
      assert.unreachable(`accepted ${String(Object.keys(change))}`);
    } catch (error) {
      assert.instance(error, StoredTransactionError);
      assert.is(
        (error as StoredTransactionError).code,
        'STORED_TRANSACTION_INVALID',
      );
      assert.match((error as Error).message, `transaction ${bad.id}: `);
      assert.match((error as Error).message, message);
    }
  }
});

test('a packed buffer that does not hold exactly the rows counted (cut short) is refused', async () => {
  const packed = packTransactions(await generated(10));
  assert.throws(
    () =>
      new PackedTransactions(
        packed.bytes.subarray(0, packed.bytes.length - 7),
        10,
      ),
    (error: unknown) => error instanceof PackedTransactionsError,
  );
  assert.throws(
    () => new PackedTransactions(packed.bytes, 11),
    (error: unknown) => error instanceof PackedTransactionsError,
  );
  assert.is(new PackedTransactions(Buffer.alloc(0), 0).count, 0);
});

test.run();
