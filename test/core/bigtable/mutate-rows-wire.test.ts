import {test} from 'uvu';
import {bigtableMessage} from '../../support/bigtable-protos';
import * as assert from 'uvu/assert';
import {RawEntry, toRawEntry} from '../../../core/bigtable/raw-entry';
import {
  decodeMutateRowsResponse,
  encodeEntries,
  encodeMutateRowsRequest,
  entryRowKey,
  sliceEntries,
} from '../../../core/bigtable/mutate-rows-wire';

// The messages as the client's own generated code reads and writes them.
const Request = bigtableMessage('MutateRowsRequest');
const Response = bigtableMessage('MutateRowsResponse');

test('the request reads back, through the API protos, as the entries it was made of', () => {
  const at = new Date('2026-11-20T14:00:00.123Z');
  const entries = [
    toRawEntry({
      key: '03#2026-11-20#14:00:00.123#tx-1',
      data: {
        txn: {
          merchant: {value: 'Café Zoë', timestamp: at},
          amount_minor: {value: '1999', timestamp: at},
        },
        delivery: {batch_id: {value: 'b'.repeat(300), timestamp: at}},
      },
    }),
    toRawEntry(
      {key: 'day', data: {count: {n: {value: '', timestamp: new Date(0)}}}},
      ['count', 'sum'],
    ),
  ];
  const decoded = Request.toObject(
    Request.decode(
      encodeMutateRowsRequest(
        'projects/p/instances/i/tables/t',
        encodeEntries(entries),
        undefined,
        'profile',
      ),
    ),
    {longs: Number, bytes: String},
  );
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  assert.equal(decoded, {
    tableName: 'projects/p/instances/i/tables/t',
    appProfileId: 'profile',
    entries: [
      {
        rowKey: b64('03#2026-11-20#14:00:00.123#tx-1'),
        mutations: [
          {
            setCell: {
              familyName: 'txn',
              columnQualifier: b64('merchant'),
              timestampMicros: at.getTime() * 1000,
              value: b64('Café Zoë'),
            },
          },
          {
            setCell: {
              familyName: 'txn',
              columnQualifier: b64('amount_minor'),
              timestampMicros: at.getTime() * 1000,
              value: b64('1999'),
            },
          },
          {
            setCell: {
              familyName: 'delivery',
              columnQualifier: b64('batch_id'),
              timestampMicros: at.getTime() * 1000,
              value: b64('b'.repeat(300)),
            },
          },
        ],
      },
      {
        rowKey: b64('day'),
        mutations: [
          {deleteFromFamily: {familyName: 'count'}},
          {deleteFromFamily: {familyName: 'sum'}},
          {
            setCell: {
              familyName: 'count',
              columnQualifier: b64('n'),
              timestampMicros: 0,
              value: '',
            },
          },
        ],
      },
    ],
  });
  const empty = Request.decode(
    encodeMutateRowsRequest(
      't',
      encodeEntries([new RawEntry(Buffer.from('k'), [])]),
    ),
  );
  assert.is(Request.toObject(empty, {bytes: String}).entries.length, 1);
});

test('a request of some of the entries (a retry) holds exactly those, in the order named', () => {
  const at = new Date('2026-11-20T14:00:00.123Z');
  const raw = ['a', 'bb', 'c'.repeat(200), 'd'].map((key, i) =>
    toRawEntry({
      key,
      data: {txn: {n: {value: 'v'.repeat(i * 40), timestamp: at}}},
    }),
  );
  const encoded = encodeEntries(raw);
  assert.equal(
    [0, 1, 2, 3].map(i => entryRowKey(encoded, i).toString()),
    ['a', 'bb', 'c'.repeat(200), 'd'],
  );
  const keysOf = (request: Buffer) =>
    (
      Request.toObject(Request.decode(request), {bytes: String}) as {
        entries: {rowKey: string}[];
      }
    ).entries.map(e => Buffer.from(e.rowKey, 'base64').toString());
  assert.equal(keysOf(encodeMutateRowsRequest('t', encoded, [3, 1])), [
    'd',
    'bb',
  ]);
  // Each entry alone is the entry encoded alone; a slice is its entries encoded together.
  for (let i = 0; i < raw.length; i++)
    assert.equal(
      encodeMutateRowsRequest('t', encoded, [i]),
      encodeMutateRowsRequest('t', encodeEntries([raw[i]!])),
    );
  const middle = sliceEntries(encoded, 1, 3);
  assert.equal(middle, encodeEntries(raw.slice(1, 3)));
  assert.equal(sliceEntries(encoded, 2, 99), encodeEntries(raw.slice(2)));
});

test('the entry statuses of a response, as the API writes them', () => {
  const bytes = Response.encode(
    Response.create({
      entries: [
        {index: 0, status: {code: 0}},
        {index: 300, status: {code: 13, message: 'unknown family "x"'}},
        {index: 2, status: {code: 14, message: 'try again'}},
      ],
    }),
  ).finish();
  assert.equal(decodeMutateRowsResponse(bytes), [
    {index: 0, code: 0, message: ''},
    {index: 300, code: 13, message: 'unknown family "x"'},
    {index: 2, code: 14, message: 'try again'},
  ]);
});

test.run();
