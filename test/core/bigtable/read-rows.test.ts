import {test} from 'uvu';
import * as assert from 'uvu/assert';
import type {RowRange} from '../../../core/bigtable/read-rows';
import {forEachRow} from '../../../core/bigtable/row-stream';
import {dayRanges} from '../../../core/bigtable/row-key';
import {
  isolatedBigtable,
  type TestBigtable,
  transactionsOf,
  writeTransactions,
} from '../summary/fixtures';
import {printingErrors} from '../../support/hooks';

let t: TestBigtable;
const DAY = '2026-04-02';

test.before(
  printingErrors(async () => {
    t = await isolatedBigtable('read-rows');
    await writeTransactions(t, transactionsOf('2026-04-01', 100, 1));
    await writeTransactions(t, transactionsOf(DAY, 2000, 2));
  }),
);

test.after(async () => {
  await t.close();
});

test('every row of the ranges once, none outside them: start inclusive, end exclusive', async () => {
  const seen: string[] = [];
  await forEachRow(t.txnTable, dayRanges(DAY), row => seen.push(row.id));
  assert.is(seen.length, 2000);
  assert.is(new Set(seen).size, 2000);
  assert.ok(seen.every(key => key.slice(3, 13) === DAY));
  const [first] = [...seen].sort();
  const exact: RowRange = {start: first!, end: first!};
  const none: string[] = [];
  await forEachRow(t.txnTable, [exact], row => none.push(row.id));
  assert.equal(none, [], 'an empty range [k, k) holds nothing');
});

test('an error in the row callback stops every range and rejects', async () => {
  let seen = 0;
  let error: unknown;
  await forEachRow(t.txnTable, dayRanges(DAY), () => {
    if (++seen === 10) throw new Error('boom');
  }).catch((e: unknown) => (error = e));
  assert.match(String(error), /boom/);
  assert.ok(seen < 2000, `callback kept running: ${seen} rows`);
});

test.run();
