import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {loadGenerator} from '../../../core/generation/generator';
import {batchIdForKey, batchIdForSlot} from '../../../core/generation/slot';
import {HOUR_MS} from '../../../core/time';
import {CURRENCIES} from '../../../core/money';
import {
  TRANSACTION_TYPES,
  validateTransaction,
} from '../../../core/transaction';

const slotStart = new Date('2026-11-27T09:00:00.000Z');
const spec = (batchId = batchIdForSlot(slotStart), count = 5000) => ({
  batchId,
  slotStart,
  count,
});

test('the same slot always yields the same transactions', async () => {
  const generator = await loadGenerator();
  const first = generator.generate(spec());
  generator.generate(spec(batchIdForKey('something-else'), 300)); // in between: must not disturb
  const second = generator.generate(spec());
  assert.equal(second, first);
});

test('another slot or key yields other transactions', async () => {
  const generator = await loadGenerator();
  const a = generator.generate(spec(batchIdForSlot(slotStart), 200));
  const b = generator.generate(
    spec(batchIdForSlot(new Date(slotStart.getTime() + HOUR_MS)), 200),
  );
  const c = generator.generate(spec(batchIdForKey('k1'), 200));
  assert.not.equal(
    a.map(t => t.amountMinor),
    b.map(t => t.amountMinor),
  );
  assert.not.equal(
    a.map(t => t.amountMinor),
    c.map(t => t.amountMinor),
  );
});

test('every transaction is valid, inside the hour, with unique ids derived from the batch', async () => {
  const generator = await loadGenerator();
  const batchId = batchIdForSlot(slotStart);
  const txns = generator.generate(spec(batchId, 10_000));
  assert.is(txns.length, 10_000);
  const ids = new Set<string>();
  for (const [i, txn] of txns.entries()) {
    validateTransaction(txn);
    assert.is(txn.batchId, batchId);
    assert.is(txn.id, `${batchId}-${String(i).padStart(5, '0')}`);
    ids.add(txn.id);
    assert.ok(
      txn.occurredAt >= slotStart &&
        txn.occurredAt.getTime() < slotStart.getTime() + HOUR_MS,
      txn.occurredAt.toISOString(),
    );
    if (i > 0)
      assert.ok(txn.occurredAt >= txns[i - 1]!.occurredAt, 'ordered by time');
  }
  assert.is(ids.size, txns.length);
});

test('a realistic spread: types, currencies, categories, accounts and amounts', async () => {
  const generator = await loadGenerator();
  const txns = generator.generate(spec(batchIdForKey('spread'), 10_000));
  const share = (predicate: (t: (typeof txns)[number]) => boolean) =>
    txns.filter(predicate).length / txns.length;

  for (const type of TRANSACTION_TYPES)
    assert.ok(share(t => t.type === type) > 0.01, `${type} occurs`);
  assert.ok(share(t => t.type === 'purchase') > 0.6, 'purchases dominate');
  for (const currency of CURRENCIES)
    assert.ok(
      share(t => t.currency === currency) > 0.005,
      `${currency} occurs`,
    );
  assert.ok(share(t => t.currency === 'USD') > 0.4, 'USD is the main currency');
  assert.ok(
    new Set(txns.map(t => t.merchantCategory)).size >= 10,
    'many merchant categories',
  );
  const accounts = new Map<string, number>();
  for (const t of txns)
    accounts.set(t.accountId, (accounts.get(t.accountId) ?? 0) + 1);
  assert.ok(accounts.size > 500, `${accounts.size} distinct accounts`);
  assert.ok(
    Math.max(...accounts.values()) > 10,
    'some accounts are much busier than others',
  );

  // USD purchases: a median of tens of dollars, a long tail, no zero or absurd amount.
  const usd = txns
    .filter(t => t.currency === 'USD' && t.type === 'purchase')
    .map(t => Number(t.amountMinor) / 100)
    .sort((a, b) => a - b);
  const median = usd[Math.floor(usd.length / 2)]!;
  const p99 = usd[Math.floor(usd.length * 0.99)]!;
  assert.ok(median > 15 && median < 150, `median ${median}`);
  assert.ok(
    p99 > 5 * median,
    `p99 ${p99} is a long tail over median ${median}`,
  );
  assert.ok(
    usd[0]! >= 0.01 && usd.at(-1)! < 1_000_000,
    `range ${usd[0]}..${usd.at(-1)}`,
  );
  // JPY has no minor unit: amounts are whole yen in realistic magnitudes (hundreds to tens of thousands).
  const jpy = txns
    .filter(t => t.currency === 'JPY' && t.type === 'purchase')
    .map(t => Number(t.amountMinor))
    .sort((a, b) => a - b);
  const jpyMedian = jpy[Math.floor(jpy.length / 2)]!;
  assert.ok(jpyMedian > 1500 && jpyMedian < 30_000, `JPY median ${jpyMedian}`);
  // Cash withdrawals come in notes.
  for (const t of txns.filter(
    x => x.type === 'withdrawal' && x.currency === 'USD',
  ))
    assert.is(t.amountMinor % 1000n, 0n, `${t.amountMinor}`);
});

test.run();
