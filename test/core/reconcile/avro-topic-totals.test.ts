import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {readTransactionAvsc} from '../../../core/avro/schemas';
import {avroCodec} from '../../../core/pubsub/avro-codec';
import {avroTopicTally} from '../../../core/reconcile/avro-topic-totals';
import {compareDay} from '../../../core/reconcile/compare';
import {formatDay} from '../../../core/reconcile/format';
import type {StoreDay} from '../../../core/reconcile/day-totals';

const json = avroCodec(readTransactionAvsc(), 'JSON');
const binary = avroCodec(readTransactionAvsc(), 'BINARY');

function message(
  codec: typeof json,
  id: string,
  occurredAt: string,
  amountMinor: bigint,
  currency: string,
  attributeId = id,
) {
  const record = {
    id,
    batchId: 'b',
    occurredAt: new Date(occurredAt),
    accountId: 'a',
    merchant: 'm',
    merchantCategory: 'c',
    type: 'purchase',
    amountMinor,
    currency,
  };
  return {
    data: codec.encode(record),
    attributes: {
      transactionId: attributeId,
      googclient_schemaencoding: codec.encoding,
    },
  };
}

const sql = (): StoreDay => ({
  count: 2,
  currencies: new Map([
    ['USD', {count: 2, sumMinor: 9_007_199_254_740_993n + 5n}],
  ]),
});

test('messages are counted once per transactionId, by the day of occurredAt, in the encoding each names; repeats are duplicates', () => {
  const counter = avroTopicTally();
  // Above 2^53: the sum must stay exact.
  counter.add(
    message(
      json,
      't1',
      '2026-11-30T23:59:59.999Z',
      9_007_199_254_740_993n,
      'USD',
    ),
    json,
  );
  counter.add(
    message(binary, 't2', '2026-11-30T00:00:00.000Z', 5n, 'USD'),
    json,
  );
  counter.add(
    message(
      json,
      't1',
      '2026-11-30T23:59:59.999Z',
      9_007_199_254_740_993n,
      'USD',
    ),
    json,
  );
  counter.add(message(json, 't3', '2026-12-01T00:00:00.000Z', 7n, 'EUR'), json);
  const {tally} = counter;
  assert.is(tally.messages, 4);
  const day = tally.days.get('2026-11-30')!;
  assert.is(day.count, 2);
  assert.is(day.duplicates, 1);
  assert.equal(day.currencies.get('USD'), {
    count: 2,
    sumMinor: 9_007_199_254_740_998n,
  });
  assert.is(tally.days.get('2026-12-01')!.count, 1);

  const result = compareDay({
    day: '2026-11-30',
    stores: {
      sql: sql(),
      txn_tbl: sql(),
      csv: sql(),
      summary_table: sql(),
      avro_topic: day,
    },
    problems: {},
  });
  assert.ok(result.ok, result.differences.join('; '));
  assert.match(formatDay(result), 'avro_topic: 1 duplicates delivered');
});

test('a transaction never published, and a message whose record is not its attribute, make the day differ', () => {
  const counter = avroTopicTally();
  counter.add(
    message(
      json,
      't1',
      '2026-11-30T10:00:00.000Z',
      9_007_199_254_740_993n,
      'USD',
    ),
    json,
  );
  counter.add(
    message(json, 't9', '2026-11-30T11:00:00.000Z', 5n, 'USD', 't2'),
    json,
  );
  counter.add(
    {data: Buffer.from('not avro'), attributes: {transactionId: 't4'}},
    json,
  );
  const day = counter.tally.days.get('2026-11-30')!;
  assert.equal(day.problems, ['message of t2 carries record t9']);
  assert.equal(counter.tally.undated.length, 1);
  const result = compareDay({
    day: '2026-11-30',
    stores: {
      sql: sql(),
      txn_tbl: sql(),
      csv: sql(),
      summary_table: sql(),
      avro_topic: day,
    },
    problems: {avro_topic: day.problems},
  });
  assert.not.ok(result.ok);
  assert.equal(result.differences, [
    'avro_topic: message of t2 carries record t9',
    'avro_topic: 1 transactions, sql 2',
    'avro_topic: USD count 1, sql 2',
    'avro_topic: USD sum 90071992547409.93, sql 90071992547409.98',
  ]);
});

test('without the AVRO topic (npm run reconcile), the four stores alone decide', () => {
  const result = compareDay({
    day: '2026-11-30',
    stores: {sql: sql(), txn_tbl: sql(), csv: sql(), summary_table: sql()},
    problems: {},
  });
  assert.ok(result.ok);
  assert.not.match(formatDay(result), 'avro_topic');
});

test.run();
