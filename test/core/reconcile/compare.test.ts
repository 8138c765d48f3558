import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {compareDay} from '../../../core/reconcile/compare';
import type {StoreDay} from '../../../core/reconcile/day-totals';
import type {Currency} from '../../../core/money';

function day(entries: Array<[Currency, number, bigint]>): StoreDay {
  return {
    count: entries.reduce((n, [, c]) => n + c, 0),
    currencies: new Map(
      entries.map(([c, n, s]) => [c, {count: n, sumMinor: s}]),
    ),
  };
}

const truth = () =>
  day([
    ['USD', 3, 123456n],
    ['JPY', 2, 900n],
  ]);

test('equal stores reconcile', () => {
  const result = compareDay({
    day: '2026-11-30',
    stores: {
      sql: truth(),
      txn_tbl: truth(),
      csv: truth(),
      summary_table: truth(),
    },
    problems: {},
  });
  assert.ok(result.ok);
  assert.equal(result.differences, []);
});

test('a sum one minor unit off is a difference, printed exactly in the currency', () => {
  const off = day([
    ['USD', 3, 123457n],
    ['JPY', 2, 900n],
  ]);
  const result = compareDay({
    day: '2026-11-30',
    stores: {sql: truth(), txn_tbl: truth(), csv: off, summary_table: truth()},
    problems: {},
  });
  assert.not.ok(result.ok);
  assert.equal(result.differences, ['csv: USD sum 1234.57, sql 1234.56']);
});

test('a currency missing in a store, a missing store and a store problem are differences', () => {
  const result = compareDay({
    day: '2026-11-30',
    stores: {
      sql: truth(),
      txn_tbl: day([['USD', 3, 123456n]]),
      csv: undefined,
      summary_table: truth(),
    },
    problems: {summary_table: ['count:TOTAL:ALL is missing']},
  });
  assert.equal(result.differences, [
    'summary_table: count:TOTAL:ALL is missing',
    'txn_tbl: 3 transactions, sql 5',
    'txn_tbl: JPY count 0, sql 2',
    'txn_tbl: JPY sum 0, sql 900',
    'csv: missing (no summary file)',
  ]);
});

test('sums beyond 2^53 are compared exactly', () => {
  const big = day([['INR', 1, 2n ** 60n]]);
  const bigger = day([['INR', 1, 2n ** 60n + 1n]]);
  const result = compareDay({
    day: '2026-11-30',
    stores: {sql: big, txn_tbl: big, csv: big, summary_table: bigger},
    problems: {},
  });
  assert.equal(result.differences, [
    'summary_table: INR sum 11529215046068469.77, sql 11529215046068469.76',
  ]);
});

test.run();
