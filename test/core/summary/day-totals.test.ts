import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {DayTotals} from '../../../core/summary/day-totals';

test('groups by type and currency, a total per currency, the grand total last', () => {
  const totals = new DayTotals('2026-11-26');
  totals.add({type: 'refund', currency: 'USD', amountMinor: 5n});
  totals.add({type: 'purchase', currency: 'USD', amountMinor: 100n});
  totals.add({type: 'purchase', currency: 'JPY', amountMinor: 7n});
  totals.add({type: 'purchase', currency: 'USD', amountMinor: 250n});
  assert.equal(totals.toRows(), [
    {
      kind: 'group',
      date: '2026-11-26',
      type: 'purchase',
      currency: 'USD',
      count: 2,
      sumMinor: 350n,
    },
    {
      kind: 'group',
      date: '2026-11-26',
      type: 'refund',
      currency: 'USD',
      count: 1,
      sumMinor: 5n,
    },
    {
      kind: 'group',
      date: '2026-11-26',
      type: 'purchase',
      currency: 'JPY',
      count: 1,
      sumMinor: 7n,
    },
    {
      kind: 'currency-total',
      date: '2026-11-26',
      currency: 'USD',
      count: 3,
      sumMinor: 355n,
    },
    {
      kind: 'currency-total',
      date: '2026-11-26',
      currency: 'JPY',
      count: 1,
      sumMinor: 7n,
    },
    {kind: 'grand-total', date: '2026-11-26', count: 4},
  ]);
});

test('sums stay exact far beyond 2^53', () => {
  const totals = new DayTotals('2026-11-26');
  const amount = 10n ** 15n - 1n;
  for (let i = 0; i < 10_000; i++)
    totals.add({type: 'deposit', currency: 'EUR', amountMinor: amount});
  const group = totals.toRows()[0];
  assert.equal(group, {
    kind: 'group',
    date: '2026-11-26',
    type: 'deposit',
    currency: 'EUR',
    count: 10_000,
    sumMinor: amount * 10_000n,
  });
});

test('an empty day has only the grand total, with count 0', () => {
  assert.equal(new DayTotals('2026-11-26').toRows(), [
    {kind: 'grand-total', date: '2026-11-26', count: 0},
  ]);
});

test.run();
