import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  MalformedSignalError,
  encodeSignal,
} from '../../../core/pubsub/batch-signal';
import {signalFromEvent} from '../../../core/pubsub/cloud-event';
import {EXAMPLE_SIGNAL} from '../../support/example-signal';

const signal = EXAMPLE_SIGNAL;

test('a CloudEvent from a push envelope or Eventarc yields the signal', () => {
  const event = {
    id: 'e1',
    data: {
      message: {data: encodeSignal(signal).toString('base64'), messageId: 'm1'},
      subscription: 's',
    },
  };
  assert.equal(signalFromEvent(event), {signal, messageId: 'm1'});
});

test('malformed events are named as such', () => {
  const bad: unknown[] = [
    {},
    {data: 'x'},
    {data: {message: {}}},
    {data: {message: {data: Buffer.from('nope').toString('base64')}}},
    {data: {message: {data: Buffer.from('{"batchId":""}').toString('base64')}}},
    {
      data: {
        message: {
          data: Buffer.from('{"batchId":"b","rowCount":"x"}').toString(
            'base64',
          ),
        },
      },
    },
    {
      data: {
        message: {
          data: Buffer.from(
            '{"batchId":"b","rowCount":"1","slotStart":"soon"}',
          ).toString('base64'),
        },
      },
    },
  ];
  for (const event of bad)
    assert.throws(
      () => signalFromEvent(event as never),
      (e: unknown) => e instanceof MalformedSignalError,
      JSON.stringify(event),
    );
});

test.run();
