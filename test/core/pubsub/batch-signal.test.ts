import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeSignal,
  encodeSignal,
  signalAttributes,
} from '../../../core/pubsub/batch-signal';
import {EXAMPLE_SIGNAL} from '../../support/example-signal';

const signal = EXAMPLE_SIGNAL;

test('a signal round-trips through the message body and carries the facts as attributes', () => {
  assert.equal(decodeSignal(encodeSignal(signal)), signal);
  assert.equal(signalAttributes(signal), {
    batchId: 'slot-2026112709',
    rowCount: '1000',
    slotStart: '2026-11-27T09:00:00.000Z',
    firstOccurredAt: '2026-11-27T09:00:01.250Z',
    lastOccurredAt: '2026-11-27T09:59:58.001Z',
  });
  const empty = {
    ...signal,
    rowCount: 0,
    firstOccurredAt: null,
    lastOccurredAt: null,
  };
  assert.equal(decodeSignal(encodeSignal(empty)), empty);
});

test.run();
