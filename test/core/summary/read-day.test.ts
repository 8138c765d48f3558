import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {encodeRowKey} from '../../../core/bigtable/row-key';
import {summarizeDay} from '../../../core/summary/read-day';
import {toRowEntry} from '../../../core/bigtable/txn-row';
import {
  isolatedBigtable,
  type TestBigtable,
  transactionsOf,
  writeTransactions,
} from './fixtures';
import {printingErrors} from '../../support/hooks';

let t: TestBigtable;
const DAY = '2026-03-10';

test.before(
  printingErrors(async () => {
    t = await isolatedBigtable('read-day');
    // The day itself plus its neighbours, whose rows sit next to it in every salt range.
    await writeTransactions(t, transactionsOf('2026-03-09', 300, 1));
    await writeTransactions(t, transactionsOf(DAY, 2000, 2));
    await writeTransactions(t, transactionsOf('2026-03-11', 300, 3));
  }),
);

test.after(async () => {
  await t.close();
});

test('reads exactly the rows of the day and sums them exactly', async () => {
  const summary = await summarizeDay(t.txnTable, t.resources.bigtable.txn, DAY);
  assert.is(summary.rowsRead, 2000);
  assert.is(summary.malformed.count, 0);
  const expected = new Map<string, {count: number; sum: bigint}>();
  for (const txn of transactionsOf(DAY, 2000, 2)) {
    const key = `${txn.type}|${txn.currency}`;
    const entry = expected.get(key) ?? {count: 0, sum: 0n};
    entry.count += 1;
    entry.sum += txn.amountMinor;
    expected.set(key, entry);
  }
  const rows = summary.totals.toRows();
  const groups = rows.filter(r => r.kind === 'group');
  assert.is(groups.length, expected.size);
  for (const row of groups) {
    if (row.kind !== 'group') continue;
    const want = expected.get(`${row.type}|${row.currency}`);
    assert.equal(
      {count: row.count, sum: row.sumMinor},
      want,
      `${row.type} ${row.currency}`,
    );
  }
  const grand = rows.at(-1);
  assert.equal(grand, {kind: 'grand-total', date: DAY, count: 2000});
});

test('a day without rows is an empty summary, not an error', async () => {
  const summary = await summarizeDay(
    t.txnTable,
    t.resources.bigtable.txn,
    '2026-03-20',
  );
  assert.is(summary.rowsRead, 0);
  assert.equal(summary.totals.toRows(), [
    {kind: 'grand-total', date: '2026-03-20', count: 0},
  ]);
});

test('a transaction written twice counts once, with its newest values', async () => {
  const [txn] = [...transactionsOf('2026-03-12', 1, 9)];
  await writeTransactions(t, [
    txn!,
    {...txn!, amountMinor: 777n, type: 'refund', currency: 'EUR'},
  ]);
  const summary = await summarizeDay(
    t.txnTable,
    t.resources.bigtable.txn,
    '2026-03-12',
  );
  assert.is(summary.rowsRead, 1);
  assert.equal(summary.totals.toRows()[0], {
    kind: 'group',
    date: '2026-03-12',
    type: 'refund',
    currency: 'EUR',
    count: 1,
    sumMinor: 777n,
  });
});

test('malformed rows are reported with their keys and do not stop the read', async () => {
  const day = '2026-03-13';
  const schema = t.resources.bigtable.txn;
  await writeTransactions(t, transactionsOf(day, 50, 4));
  const good = [...transactionsOf(day, 3, 5, 'm')];
  const badAmount = toRowEntry(good[0]!, schema);
  badAmount.data[schema.families.transaction]!.amount_minor!.value = '12.50';
  const badCurrency = toRowEntry(good[1]!, schema);
  badCurrency.data[schema.families.transaction]!.currency!.value = 'XXX';
  const missingType = toRowEntry(good[2]!, schema);
  delete missingType.data[schema.families.transaction]!.type;
  await t.txnTable.insert([badAmount, badCurrency, missingType]);
  const summary = await summarizeDay(t.txnTable, schema, day);
  assert.is(summary.rowsRead, 53);
  assert.is(summary.totals.count, 50);
  assert.is(summary.malformed.count, 3);
  const keys = summary.malformed.examples.map(e => e.key).sort();
  assert.equal(keys, [badAmount.key, badCurrency.key, missingType.key].sort());
  const reasons = summary.malformed.examples.map(e => e.reason).join('\n');
  assert.match(reasons, /amount_minor "12.50"/);
  assert.match(reasons, /unknown currency "XXX"/);
  assert.match(reasons, /missing txn:type/);
});

test('a row whose key is not a txn key but falls in the day range is malformed', async () => {
  const day = '2026-03-14';
  const key = `${encodeRowKey('abc', new Date(`${day}T10:00:00Z`)).slice(0, 14)}##not-a-key`;
  await t.txnTable.insert([
    {
      key,
      data: {
        [t.resources.bigtable.txn.families.transaction]: {type: 'purchase'},
      },
    },
  ]);
  const summary = await summarizeDay(t.txnTable, t.resources.bigtable.txn, day);
  assert.is(summary.malformed.count, 1);
  assert.is(summary.malformed.examples[0]!.key, key);
});

test.run();
