import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {occurredRanges} from '../../../core/publication/occurred-ranges';
import {
  SALT_BUCKETS,
  encodeRowKey,
  saltOf,
} from '../../../core/bigtable/row-key';

const inRanges = (ranges: ReturnType<typeof occurredRanges>, key: string) =>
  ranges.some(bucket => bucket.some(r => key >= r.start && key < r.end));

test('one bucket per salt; each day of the span is one range per bucket, cut at both ends', () => {
  const ranges = occurredRanges(
    new Date('2026-11-26T22:30:00.000Z'),
    new Date('2026-11-28T01:15:00.000Z'),
  );
  assert.is(ranges.length, SALT_BUCKETS);
  assert.equal(ranges[3], [
    {start: '03#2026-11-26#22:30:00.000', end: '03#2026-11-26$'},
    {start: '03#2026-11-27#', end: '03#2026-11-27$'},
    {start: '03#2026-11-28#', end: '03#2026-11-28#01:15:00.000'},
  ]);
});

test('exactly the transactions that occurred in [from, to): from included, to excluded', () => {
  const from = new Date('2026-11-26T22:30:00.000Z');
  const to = new Date('2026-11-27T00:00:00.000Z');
  const ranges = occurredRanges(from, to);
  for (const bucket of ranges)
    assert.is(
      bucket.length,
      1,
      'a watermark at midnight ends the previous day',
    );
  const cases: Array<[string, string, boolean]> = [
    ['at-from', '2026-11-26T22:30:00.000Z', true],
    ['just-before', '2026-11-26T22:29:59.999Z', false],
    ['last-ms', '2026-11-26T23:59:59.999Z', true],
    ['at-to', '2026-11-27T00:00:00.000Z', false],
    ['next-day', '2026-11-27T05:00:00.000Z', false],
  ];
  for (const [id, at, expected] of cases) {
    const key = encodeRowKey(`txn-${id}`, new Date(at));
    assert.is(inRanges(ranges, key), expected, `${key}`);
    if (expected)
      assert.ok(
        ranges[saltOf(`txn-${id}`)]!.some(r => key >= r.start && key < r.end),
        'in its own salt bucket',
      );
  }
});

test('an empty or reversed span reads nothing', () => {
  const at = new Date('2026-11-26T10:00:00.000Z');
  assert.equal(occurredRanges(at, at).flat(), []);
  assert.equal(occurredRanges(at, new Date(at.getTime() - 1)).flat(), []);
});

test.run();
