import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  BadRequestError,
  type HttpInput,
  parseGenerateRequest,
} from '../../../core/generation/request';
import {batchIdForSlot, defaultSlot} from '../../../core/generation/slot';

const now = new Date('2026-11-27T10:20:00.000Z');
const post = (
  body?: unknown,
  query: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpInput => ({
  method: 'POST',
  headers,
  query,
  ...(body === undefined
    ? {}
    : {
        rawBody: Buffer.from(
          typeof body === 'string' ? body : JSON.stringify(body),
        ),
      }),
});

test('defaults: the hour before now, 1000 rows, a slot batch id', () => {
  const request = parseGenerateRequest(post(), now);
  assert.equal(request, {
    slotStart: new Date('2026-11-27T09:00:00.000Z'),
    count: 1000,
    batchId: 'slot-2026112709',
  });
});

test('the scheduler schedule time picks the hour before it, not the hour before the (late) arrival', () => {
  const request = parseGenerateRequest(
    post(
      undefined,
      {},
      {'x-cloudscheduler-scheduletime': '2026-11-27T08:00:03.5Z'},
    ),
    now,
  );
  assert.equal(request.slotStart, new Date('2026-11-27T07:00:00.000Z'));
  assert.is(
    request.batchId,
    batchIdForSlot(new Date('2026-11-27T07:00:00.000Z')),
  );
  assert.equal(
    defaultSlot(undefined, now),
    new Date('2026-11-27T09:00:00.000Z'),
  );
});

test('explicit count, hour (several spellings) and idempotency key', () => {
  assert.is(parseGenerateRequest(post({count: 1}), now).count, 1);
  assert.is(
    parseGenerateRequest(post(undefined, {count: '10000'}), now).count,
    10_000,
  );
  for (const hour of [
    '2026-11-26T23:00:00Z',
    '2026-11-26T23:00Z',
    '2026-11-26T23Z',
    '2026-11-26T23:00:00.000Z',
    '2026-11-27T00:00:00+01:00',
  ]) {
    assert.equal(
      parseGenerateRequest(post({hour}), now).slotStart,
      new Date('2026-11-26T23:00:00.000Z'),
      hour,
    );
  }
  assert.is(
    parseGenerateRequest(post({hour: '2026-11-27T10:00:00Z'}), now).batchId,
    'slot-2026112710',
    'the current hour is allowed',
  );
  assert.is(
    parseGenerateRequest(post({idempotencyKey: 'run_1-a'}), now).batchId,
    'key-run_1-a',
  );
  assert.is(
    parseGenerateRequest(post(undefined, {}, {'idempotency-key': 'abc'}), now)
      .batchId,
    'key-abc',
  );
  assert.is(
    parseGenerateRequest(
      post({idempotencyKey: 'abc'}, {}, {'idempotency-key': 'abc'}),
      now,
    ).batchId,
    'key-abc',
  );
});

const BAD: Array<[string, HttpInput, string]> = [
  ['GET', {method: 'GET', headers: {}, query: {}}, 'method'],
  ['zero', post({count: 0}), 'count'],
  ['negative', post({count: -3}), 'count'],
  ['too many', post({count: 10_001}), 'count'],
  ['fraction', post({count: 1.5}), 'count'],
  ['string in JSON', post({count: '5'}), 'count'],
  ['null', post({count: null}), 'count'],
  ['non-numeric query', post(undefined, {count: 'ten'}), 'count'],
  ['exponent query', post(undefined, {count: '1e3'}), 'count'],
  ['repeated query', post(undefined, {count: ['1', '2']}), 'count'],
  ['both body and query', post({count: 2}, {count: '2'}), 'count'],
  ['unknown field', post({count: 2, extra: true}), 'extra'],
  ['unknown query', post(undefined, {dryRun: '1'}), 'dryRun'],
  ['array body', post([1]), 'body'],
  ['not JSON', post('count=3'), 'body'],
  ['oversize', post(`{"count":1}${' '.repeat(5000)}`), 'body'],
  ['half hour', post({hour: '2026-11-27T08:30:00Z'}), 'hour'],
  ['no zone', post({hour: '2026-11-27T08:00:00'}), 'hour'],
  ['future', post({hour: '2026-11-27T11:00:00Z'}), 'hour'],
  ['before 2000', post({hour: '1999-12-31T23:00:00Z'}), 'hour'],
  ['not a date', post({hour: '2026-13-45T08:00:00Z'}), 'hour'],
  ['bad key', post({idempotencyKey: 'no spaces'}), 'idempotencyKey'],
  ['key too long', post({idempotencyKey: 'x'.repeat(41)}), 'idempotencyKey'],
  ['key not a string', post({idempotencyKey: 7}), 'idempotencyKey'],
  [
    'key mismatch',
    post({idempotencyKey: 'a'}, {}, {'idempotency-key': 'b'}),
    'idempotencyKey',
  ],
  [
    'bad schedule time',
    post(undefined, {}, {'x-cloudscheduler-scheduletime': 'tomorrow'}),
    'x-cloudscheduler-scheduletime',
  ],
  // Impossible calendar hours must not roll over into the next month or day (issue 12, fault 1).
  ['June 31 in the body', post({hour: '2026-06-31T05Z'}), 'hour'],
  ['February 30 in the body', post({hour: '2026-02-30T10Z'}), 'hour'],
  ['hour 24 in the body', post({hour: '2026-10-10T24Z'}), 'hour'],
  ['June 31 in the query', post(undefined, {hour: '2026-06-31T05Z'}), 'hour'],
  [
    'hour 24 in the query',
    post(undefined, {hour: '2026-10-10T24:00:00Z'}),
    'hour',
  ],
  ['offset hour 25', post({hour: '2026-10-10T09:00:00+25:00'}), 'hour'],
  [
    'June 31 in the schedule time',
    post(
      undefined,
      {},
      {'x-cloudscheduler-scheduletime': '2026-06-31T05:00:00Z'},
    ),
    'x-cloudscheduler-scheduletime',
  ],
  [
    'February 30 in the schedule time',
    post(
      undefined,
      {},
      {'x-cloudscheduler-scheduletime': '2026-02-30T10:00:00Z'},
    ),
    'x-cloudscheduler-scheduletime',
  ],
  [
    'hour 24 in the schedule time',
    post(
      undefined,
      {},
      {'x-cloudscheduler-scheduletime': '2026-10-10T24:00:00Z'},
    ),
    'x-cloudscheduler-scheduletime',
  ],
  [
    'minute 61 in the schedule time',
    post(
      undefined,
      {},
      {'x-cloudscheduler-scheduletime': '2026-10-10T08:61:00Z'},
    ),
    'x-cloudscheduler-scheduletime',
  ],
  // The schedule time gets the checks the hour gets (fault 2).
  [
    'schedule time 3 h ahead',
    post(
      undefined,
      {},
      {'x-cloudscheduler-scheduletime': '2026-11-27T13:20:00Z'},
    ),
    'x-cloudscheduler-scheduletime',
  ],
  [
    'schedule time in 2099',
    post(
      undefined,
      {},
      {'x-cloudscheduler-scheduletime': '2099-06-01T10:00:00Z'},
    ),
    'x-cloudscheduler-scheduletime',
  ],
  [
    'schedule time in 1899',
    post(
      undefined,
      {},
      {'x-cloudscheduler-scheduletime': '1899-06-01T10:00:00Z'},
    ),
    'x-cloudscheduler-scheduletime',
  ],
];

test('a schedule time a little ahead of our clock (skew) still picks the hour before it', () => {
  const request = parseGenerateRequest(
    post(
      undefined,
      {},
      {'x-cloudscheduler-scheduletime': '2026-11-27T10:21:00Z'},
    ),
    now,
  );
  assert.equal(request.slotStart, new Date('2026-11-27T09:00:00.000Z'));
  const offset = parseGenerateRequest(
    post(
      undefined,
      {},
      {'x-cloudscheduler-scheduletime': '2026-11-27T10:00:00+01:00'},
    ),
    now,
  );
  assert.equal(offset.slotStart, new Date('2026-11-27T08:00:00.000Z'));
});

test('a refused calendar hour says why', () => {
  assert.throws(
    () => parseGenerateRequest(post({hour: '2026-06-31T05Z'}), now),
    /2026-06-31 is not a calendar day/,
  );
  assert.throws(
    () => parseGenerateRequest(post({hour: '2026-10-10T24Z'}), now),
    /hour 24/,
  );
  assert.throws(
    () =>
      parseGenerateRequest(
        post(
          undefined,
          {},
          {'x-cloudscheduler-scheduletime': '2099-06-01T10:00:00Z'},
        ),
        now,
      ),
    /in the future/,
  );
  assert.throws(
    () =>
      parseGenerateRequest(
        post(
          undefined,
          {},
          {'x-cloudscheduler-scheduletime': '1899-06-01T10:00:00Z'},
        ),
        now,
      ),
    /before the year 2000/,
  );
});

test('each bad request names its field', () => {
  for (const [name, input, field] of BAD) {
    try {
      parseGenerateRequest(input, now);
      assert.unreachable(`${name} should be refused`);
    } catch (error) {
      assert.instance(error, BadRequestError, `${name}: ${error}`);
      assert.is((error as BadRequestError).field, field, name);
    }
  }
});

test.run();
