import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {AvroRecordError, avroCodec} from '../../../core/pubsub/avro-codec';
import {readTransactionAvsc} from '../../../core/provision/transaction-avsc';

const record = {
  id: 'slot-2026112613-00042',
  batchId: 'slot-2026112613',
  occurredAt: new Date('2026-11-26T13:45:12.345Z'),
  accountId: 'acct-1',
  merchant: 'Corner Shop',
  merchantCategory: 'grocery',
  type: 'purchase',
  amountMinor: 9_007_199_254_740_993n, // 2^53 + 1: not a safe JavaScript number
  currency: 'USD',
};

for (const encoding of ['JSON', 'BINARY'] as const) {
  test(`${encoding}: a record round-trips exactly, money as a long beyond 2^53`, () => {
    const codec = avroCodec(readTransactionAvsc(), encoding);
    const decoded = codec.decode(codec.encode(codec.complete(record)));
    assert.equal({...decoded}, record);
  });
}

test('JSON: the long is a bare integer literal, as Avro JSON encoding has it', () => {
  const codec = avroCodec(readTransactionAvsc(), 'JSON');
  const text = codec.encode(codec.complete(record)).toString('utf8');
  assert.match(text, /"amountMinor":9007199254740993[,}]/);
  assert.match(text, /"occurredAt":1795700712345[,}]/);
});

test('an invalid record is refused with every field that is off', () => {
  const codec = avroCodec(readTransactionAvsc(), 'BINARY');
  try {
    codec.encode({...record, type: 'gift', amountMinor: 12.5});
    assert.unreachable('encoded an invalid record');
  } catch (error) {
    assert.instance(error, AvroRecordError);
    assert.match((error as Error).message, /type = "gift"/);
    assert.match((error as Error).message, /amountMinor = 12.5/);
  }
  assert.throws(
    () => codec.complete({...record, currency: undefined}),
    /currency is missing and has no default/,
  );
});

test.run();
