import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {defaultResources} from '../../../core/resources';
import {summaryFieldsOf} from '../../../core/summary/summary-fields';
import {asReadRow} from '../../support/read-row';
import {
  fromRow,
  MalformedRowError,
  toRowEntry,
} from '../../../core/bigtable/txn-row';
import {random, transactionsOf} from './fixtures';

const schema = defaultResources('p').bigtable.txn;

const TRICKY_VALUES = [
  '',
  ' ',
  'purchase',
  'PURCHASE',
  'USD',
  'usd',
  'XXX',
  '0',
  '1',
  '01',
  '-5',
  '12.50',
  '1e3',
  '999999999999999',
  '1000000000000000',
  '99999999999999999999',
  'x'.repeat(200),
  'x'.repeat(201),
  'b-1',
  'bad id',
  'refund',
  'JPY',
];
const COLUMNS: Array<[string, string]> = [
  [schema.families.transaction, 'type'],
  [schema.families.transaction, 'currency'],
  [schema.families.transaction, 'amount_minor'],
  [schema.families.transaction, 'account_id'],
  [schema.families.transaction, 'merchant'],
  [schema.families.transaction, 'merchant_category'],
  [schema.families.delivery, 'batch_id'],
];
const KEY_EDITS: Array<(key: string) => string> = [
  k => k,
  k =>
    `${String((Number(k.slice(0, 2)) + 1) % 8).padStart(2, '0')}${k.slice(2)}`, // wrong salt
  k => `${k.slice(0, 14)}24:00:00.000${k.slice(26)}`,
  k => `${k.slice(0, 14)}23:59:60.000${k.slice(26)}`,
  k => `${k.slice(0, 14)}23:60:00.000${k.slice(26)}`,
  k => `${k.slice(0, 14)}7:00:00.000${k.slice(26)}`,
  k => `${k}!`,
  k => `${k.slice(0, 27)}`,
  k => k.replace('#', '$'),
];

test('agrees with fromRow on 20,000 valid and corrupted rows: same verdict, same fields', () => {
  const next = random(7);
  const pick = <T>(items: readonly T[]): T =>
    items[Math.floor(next() * items.length)]!;
  let malformed = 0;
  let n = 0;
  for (const day of ['2026-11-26', '1999-12-31']) {
    for (const txn of transactionsOf(
      day === '1999-12-31' ? '2026-11-26' : day,
      10_000,
      day.length + 3,
    )) {
      n++;
      const row = asReadRow(toRowEntry(txn, schema));
      if (day === '1999-12-31')
        row.id = row.id.replace('2026-11-26', '1999-12-31');
      const edits = next() < 0.5 ? 0 : 1 + Math.floor(next() * 2);
      for (let e = 0; e < edits; e++) {
        const what = next();
        if (what < 0.3) row.id = pick(KEY_EDITS)(row.id);
        else {
          const [family, qualifier] = pick(COLUMNS);
          if (what < 0.45) delete row.data[family]![qualifier];
          else if (what < 0.55)
            row.data[family]![qualifier] = [
              {value: Buffer.from(pick(TRICKY_VALUES))},
            ];
          else row.data[family]![qualifier] = [{value: pick(TRICKY_VALUES)}];
        }
      }
      const keyDay = row.id.slice(3, 13);
      let expected: unknown;
      try {
        const t = fromRow(row, schema);
        expected = {
          type: t.type,
          currency: t.currency,
          amountMinor: t.amountMinor,
        };
      } catch (error) {
        assert.instance(error, MalformedRowError);
        expected = 'malformed';
      }
      let actual: unknown;
      try {
        actual = summaryFieldsOf(row, schema, keyDay);
      } catch (error) {
        assert.instance(error, MalformedRowError);
        assert.is((error as MalformedRowError).key, row.id);
        actual = 'malformed';
      }
      assert.equal(
        actual,
        expected,
        `row ${row.id} ${JSON.stringify(row.data)}`,
      );
      if (actual === 'malformed') malformed++;
    }
  }
  assert.is(n, 20_000);
  // Both verdicts were exercised plenty.
  assert.ok(malformed > 5_000 && malformed < 15_000, `${malformed} malformed`);
});

test("a malformed row carries fromRow's reason", () => {
  const [txn] = [...transactionsOf('2026-11-26', 1, 1)];
  const row = asReadRow(toRowEntry(txn!, schema));
  row.data[schema.families.transaction]!.currency = [{value: 'XXX'}];
  assert.throws(
    () => summaryFieldsOf(row, schema, '2026-11-26'),
    /unknown currency "XXX"/,
  );
});

test('a row of another day than the one asked for is refused', () => {
  const [txn] = [...transactionsOf('2026-11-26', 1, 1)];
  const row = asReadRow(toRowEntry(txn!, schema));
  assert.throws(
    () => summaryFieldsOf(row, schema, '2026-11-27'),
    /not a transaction of 2026-11-27/,
  );
});

test.run();
