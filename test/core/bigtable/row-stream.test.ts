import {createServer, connect, type Server, type Socket} from 'node:net';
import {Bigtable} from '@google-cloud/bigtable';
import {test} from 'uvu';
import {bigtableMessage} from '../../support/bigtable-protos';
import * as assert from 'uvu/assert';
import type {ReadRow} from '../../../core/bigtable/read-rows';
import {
  RowMerger,
  ReadRowsProtocolError,
} from '../../../core/bigtable/read-rows-wire';
import {streamRows} from '../../../core/bigtable/row-stream';
import {dayRanges} from '../../../core/bigtable/row-key';
import {
  isolatedBigtable,
  type TestBigtable,
  transactionsOf,
  writeTransactions,
} from '../summary/fixtures';
import {printingErrors} from '../../support/hooks';

// The wire format as the client's own generated code writes it: the merger must read what the API sends.
const ReadRowsResponse = bigtableMessage('ReadRowsResponse');

type Chunk = Record<string, unknown>;
const response = (...chunks: Chunk[]) =>
  ReadRowsResponse.encode(ReadRowsResponse.create({chunks})).finish();
const cell = (
  rowKey: string | undefined,
  family: string | undefined,
  qualifier: string | undefined,
  value: string,
  more: Chunk = {},
): Chunk => ({
  ...(rowKey ? {rowKey: Buffer.from(rowKey)} : {}),
  ...(family !== undefined ? {familyName: {value: family}} : {}),
  ...(qualifier !== undefined
    ? {qualifier: {value: Buffer.from(qualifier)}}
    : {}),
  timestampMicros: 1000,
  value: Buffer.from(value),
  ...more,
});
const merged = (...responses: Uint8Array[]) => {
  const rows: ReadRow[] = [];
  const merger = new RowMerger(row => rows.push(row));
  for (const r of responses) merger.push(r);
  return rows;
};

test('merger: families, columns and rows as the API chunks them', () => {
  const rows = merged(
    response(
      cell('r1', 'txn', 'a', 'va'),
      cell(undefined, undefined, 'b', 'vb'),
      cell(undefined, 'delivery', 'c', 'vc', {commitRow: true}),
    ),
    response(cell('r2', 'txn', 'a', 'x', {commitRow: true})),
  );
  assert.equal(rows, [
    {
      id: 'r1',
      data: {
        txn: {
          a: [{value: 'va', timestamp: 1000}],
          b: [{value: 'vb', timestamp: 1000}],
        },
        delivery: {c: [{value: 'vc', timestamp: 1000}]},
      },
    },
    {id: 'r2', data: {txn: {a: [{value: 'x', timestamp: 1000}]}}},
  ]);
});

test('merger: a value split over chunks and responses is one cell; a row spans responses', () => {
  const rows = merged(
    response(cell('r1', 'txn', 'a', 'hel', {valueSize: 11})),
    response(
      {value: Buffer.from('lo wo'), valueSize: 11},
      {value: Buffer.from('rld')},
    ),
    response(cell(undefined, undefined, 'b', 'z', {commitRow: true})),
  );
  assert.equal(rows[0]!.data, {
    txn: {
      a: [{value: 'hello world', timestamp: 1000}],
      b: [{value: 'z', timestamp: 1000}],
    },
  });
});

test('merger: reset_row drops the row so far, and the row comes again whole', () => {
  const rows = merged(
    response(cell('r1', 'txn', 'a', 'old'), {resetRow: true}),
    response(cell('r1', 'txn', 'a', 'new', {commitRow: true})),
  );
  assert.equal(rows, [
    {id: 'r1', data: {txn: {a: [{value: 'new', timestamp: 1000}]}}},
  ]);
});

test('merger: a stream that breaks the rules is an error, not a wrong row', () => {
  const cases: Array<[string, Uint8Array[]]> = [
    [
      'a new row key before commit_row',
      [response(cell('r1', 'txn', 'a', 'v'), cell('r2', 'txn', 'a', 'v'))],
    ],
    [
      'row keys out of order',
      [
        response(
          cell('r2', 'txn', 'a', 'v', {commitRow: true}),
          cell('r1', 'txn', 'a', 'v', {commitRow: true}),
        ),
      ],
    ],
    [
      'commit_row inside a split value',
      [response(cell('r1', 'txn', 'a', 'v', {valueSize: 9, commitRow: true}))],
    ],
    [
      'a chunk before any row key',
      [response(cell(undefined, 'txn', 'a', 'v'))],
    ],
    ['reset_row outside a row', [response({resetRow: true})]],
    [
      'a new row without a family name',
      [response(cell('r1', undefined, 'a', 'v'))],
    ],
  ];
  for (const [reason, responses] of cases)
    assert.throws(
      () => merged(...responses),
      (error: unknown) =>
        error instanceof ReadRowsProtocolError &&
        error.message.startsWith(reason.split(' or ')[0]!),
      reason,
    );
});

let t: TestBigtable;
const DAY = '2026-05-02';
const ROWS = 3000;

test.before(
  printingErrors(async () => {
    t = await isolatedBigtable('row-stream');
    await writeTransactions(t, transactionsOf(DAY, ROWS, 5));
  }),
);

test.after(async () => {
  await t.close();
});

/** Every row of the day as the official client reads it (the newest cell of each column). */
async function asTheClientReadsThem(): Promise<Map<string, unknown>> {
  const [rows] = await t.txnTable.getRows({
    ranges: dayRanges(DAY).map(r => ({
      start: r.start,
      end: {value: r.end, inclusive: false},
    })),
    filter: [{column: {cellLimit: 1}}],
  });
  return new Map(rows.map(row => [row.id, valuesOf(row.data)]));
}

function valuesOf(data: ReadRow['data']) {
  return Object.fromEntries(
    Object.entries(data).map(([family, columns]) => [
      family,
      Object.fromEntries(
        Object.entries(columns).map(([q, cells]) => [
          q,
          cells.map(c => String(c.value)),
        ]),
      ),
    ]),
  );
}

async function streamed(
  table = t.txnTable,
): Promise<{keys: string[]; rows: Map<string, unknown>}> {
  const keys: string[] = [];
  const rows = new Map<string, unknown>();
  for (const range of dayRanges(DAY))
    await streamRows(table, [range], row => {
      keys.push(row.id);
      rows.set(row.id, valuesOf(row.data));
    }).done;
  return {keys, rows};
}

test('the rows and cells the official client reads, in key order', async () => {
  // A second, newer version of one cell: only the newest is read.
  const {keys, rows} = await streamed();
  const key = keys[17]!;
  await t.txnTable.mutate({
    key,
    method: 'insert',
    data: {
      [t.resources.bigtable.txn.families.transaction]: {
        merchant: {
          value: 'Newer Merchant',
          timestamp: new Date(Date.UTC(2026, 4, 3)),
        },
      },
    },
  } as never);
  const again = await streamed();
  const expected = await asTheClientReadsThem();
  assert.is(again.rows.size, ROWS);
  assert.equal(again.rows, expected);
  assert.equal(
    (again.rows.get(key) as {txn: {merchant: string[]}}).txn.merchant,
    ['Newer Merchant'],
  );
  assert.equal(keys, [...keys].sort(), 'each range in key order');
  assert.is(rows.size, ROWS);
});

/** A TCP relay to the emulator that cuts the first connection to send `cutAfter` bytes back, once. */
async function cuttingRelay(cutAfter: number): Promise<{
  endpoint: string;
  connections: () => number;
  cut: () => boolean;
  close: () => Promise<void>;
}> {
  const [host, port] = process.env.BIGTABLE_EMULATOR_HOST!.split(':');
  let connections = 0;
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer(client => {
    connections++;
    const upstream = connect(Number(port), host);
    sockets.add(client).add(upstream);
    let back = 0;
    client.pipe(upstream);
    upstream.on('data', (bytes: Buffer) => {
      back += bytes.length;
      if (!cut && back > cutAfter) {
        cut = true;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(bytes);
    });
    for (const s of [client, upstream]) s.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as {port: number};
  return {
    endpoint: `127.0.0.1:${address.port}`,
    connections: () => connections,
    cut: () => cut,
    close: () =>
      new Promise(resolve => {
        sockets.forEach(s => s.destroy());
        server.close(() => resolve());
      }),
  };
}

test('a connection lost mid-read resumes after the last row: every row once', async () => {
  const relay = await cuttingRelay(200_000);
  const bigtable = new Bigtable({
    projectId: t.resources.project,
    apiEndpoint: relay.endpoint,
    metricsEnabled: false,
  });
  try {
    const table = bigtable
      .instance(t.instanceId)
      .table(t.resources.bigtable.txn.id);
    const keys: string[] = [];
    await streamRows(table, dayRanges(DAY), row => keys.push(row.id)).done;
    assert.ok(relay.cut(), 'a connection was cut mid-read');
    assert.ok(
      relay.connections() >= 2,
      'the read went on over a new connection',
    );
    assert.is(keys.length, ROWS);
    assert.is(new Set(keys).size, ROWS);
    assert.equal(keys, [...keys].sort());
  } finally {
    await bigtable.close();
    await relay.close();
  }
});

test('paused, no row is handed over; resumed, the rest comes', async () => {
  let seen = 0;
  const stream = streamRows(t.txnTable, dayRanges(DAY), () => {
    if (++seen === 10) stream.pause();
  });
  await new Promise(resolve => setTimeout(resolve, 300));
  assert.is(seen, 10);
  stream.resume();
  await stream.done;
  assert.is(seen, ROWS);
});

test('a throw from the row callback ends the read with that error', async () => {
  let seen = 0;
  const error = await streamRows(t.txnTable, dayRanges(DAY), () => {
    if (++seen === 5) throw new Error('boom');
  }).done.catch((e: unknown) => e);
  assert.match(String(error), /boom/);
  assert.is(seen, 5);
});

test.run();
