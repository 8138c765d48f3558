import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {addDays, dayOf} from '../../../core/day';
import {
  RowKeyError,
  SALT_BUCKETS,
  dayRanges,
  decodeRowKey,
  encodeRowKey,
  saltOf,
} from '../../../core/bigtable/row-key';

const isRowKeyError = (error: unknown) => error instanceof RowKeyError;
const START = Date.parse('2024-02-27T00:00:00.000Z');

function sample(count: number, spanMs: number): Array<{id: string; at: Date}> {
  return Array.from({length: count}, (_, i) => ({
    id: `txn-${i.toString(36)}-${(i * 7919) % 1000}`,
    at: new Date(START + Math.floor((i * 104729) % spanMs)),
  }));
}

test('encode/decode round trip', () => {
  for (const {id, at} of sample(5000, 5 * 86_400_000)) {
    const decoded = decodeRowKey(encodeRowKey(id, at));
    assert.is(decoded.id, id);
    assert.is(decoded.occurredAt.getTime(), at.getTime());
    assert.is(decoded.day, dayOf(at));
    assert.is(decoded.salt, saltOf(id));
  }
});

test('keys do not start with a timestamp and spread one hour over every salt bucket', () => {
  const counts = new Array<number>(SALT_BUCKETS).fill(0);
  for (const {id, at} of sample(8000, 3_600_000)) {
    const key = encodeRowKey(id, at);
    assert.not.match(key, /^\d{4}-/);
    counts[Number(key.slice(0, 2))]! += 1;
  }
  // Each bucket gets its share within 25%: no single tablet takes the hour's writes.
  for (const count of counts)
    assert.ok(count > 750 && count < 1250, `bucket count ${count}`);
});

test('within a salt bucket, keys sort by time', () => {
  const keys = sample(3000, 3 * 86_400_000).map(({id, at}) => ({
    key: encodeRowKey(id, at),
    at: at.getTime(),
    salt: saltOf(id),
  }));
  for (let salt = 0; salt < SALT_BUCKETS; salt++) {
    const bucket = keys
      .filter(k => k.salt === salt)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (let i = 1; i < bucket.length; i++)
      assert.ok(bucket[i - 1]!.at <= bucket[i]!.at, 'time order within bucket');
  }
});

test("a day's ranges cover exactly that day's keys", () => {
  const day = '2024-02-28';
  const rows = sample(6000, 3 * 86_400_000).map(({id, at}) => ({
    key: encodeRowKey(id, at),
    day: dayOf(at),
  }));
  // Edge instants: the first and last millisecond of the day and its neighbours.
  for (const at of [
    '2024-02-27T23:59:59.999Z',
    '2024-02-28T00:00:00.000Z',
    '2024-02-28T23:59:59.999Z',
    '2024-02-29T00:00:00.000Z',
  ]) {
    for (let i = 0; i < 20; i++)
      rows.push({
        key: encodeRowKey(`edge-${i}`, new Date(at)),
        day: at.slice(0, 10),
      });
  }
  const ranges = dayRanges(day);
  assert.is(ranges.length, SALT_BUCKETS);
  const inRanges = (key: string) =>
    ranges.some(r => key >= r.start && key < r.end);
  let inside = 0;
  for (const row of rows) {
    assert.is(inRanges(row.key), row.day === day, row.key);
    if (row.day === day) inside++;
  }
  assert.ok(inside > 1000);
  // Ranges of consecutive days never overlap.
  const next = dayRanges(addDays(day, 1));
  for (const a of ranges)
    for (const b of next) assert.ok(a.end <= b.start || b.end <= a.start);
});

test('bad ids and keys are refused with a RowKeyError', () => {
  assert.throws(() => encodeRowKey('has#hash', new Date(START)), isRowKeyError);
  assert.throws(() => encodeRowKey('', new Date(START)), isRowKeyError);
  for (const key of [
    '',
    'x',
    '03#2024-02-30#00:00:00.000#abc',
    '99#2024-02-28#00:00:00.000#abc',
    '2024-02-28#00:00:00.000#abc',
  ]) {
    assert.throws(() => decodeRowKey(key), isRowKeyError, key);
  }
  const good = encodeRowKey('abc', new Date(START));
  const wrongSalt = `${String((saltOf('abc') + 1) % SALT_BUCKETS).padStart(2, '0')}${good.slice(2)}`;
  assert.throws(() => decodeRowKey(wrongSalt), isRowKeyError);
});

test.run();
