import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MalformedSignalError, decodeSignal, encodeSignal, signalAttributes } from '../../../core/pubsub/batch-signal';
import { signalFromEvent } from '../../../core/pubsub/cloud-event';

const signal = {
  batchId: 'slot-2026112709',
  rowCount: 1000,
  slotStart: new Date('2026-11-27T09:00:00.000Z'),
  firstOccurredAt: new Date('2026-11-27T09:00:01.250Z'),
  lastOccurredAt: new Date('2026-11-27T09:59:58.001Z'),
};

test('a signal round-trips through the message body and carries the facts as attributes', () => {
  assert.equal(decodeSignal(encodeSignal(signal)), signal);
  assert.equal(signalAttributes(signal), {
    batchId: 'slot-2026112709',
    rowCount: '1000',
    slotStart: '2026-11-27T09:00:00.000Z',
    firstOccurredAt: '2026-11-27T09:00:01.250Z',
    lastOccurredAt: '2026-11-27T09:59:58.001Z',
  });
  const empty = { ...signal, rowCount: 0, firstOccurredAt: null, lastOccurredAt: null };
  assert.equal(decodeSignal(encodeSignal(empty)), empty);
});

test('a CloudEvent from a push envelope or Eventarc yields the signal', () => {
  const event = { id: 'e1', data: { message: { data: encodeSignal(signal).toString('base64'), messageId: 'm1' }, subscription: 's' } };
  assert.equal(signalFromEvent(event), { signal, messageId: 'm1' });
});

test('malformed events are named as such', () => {
  const bad: unknown[] = [
    {},
    { data: 'x' },
    { data: { message: {} } },
    { data: { message: { data: Buffer.from('nope').toString('base64') } } },
    { data: { message: { data: Buffer.from('{"batchId":""}').toString('base64') } } },
    { data: { message: { data: Buffer.from('{"batchId":"b","rowCount":"x"}').toString('base64') } } },
    { data: { message: { data: Buffer.from('{"batchId":"b","rowCount":"1","slotStart":"soon"}').toString('base64') } } },
  ];
  for (const event of bad) assert.throws(() => signalFromEvent(event as never), (e: unknown) => e instanceof MalformedSignalError, JSON.stringify(event));
});

test.run();
