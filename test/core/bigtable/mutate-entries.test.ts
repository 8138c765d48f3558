import {
  Server,
  ServerCredentials,
  type ServerWritableStream,
  status,
} from '@grpc/grpc-js';
import {Bigtable} from '@google-cloud/bigtable';
import {test} from 'uvu';
import {bigtableMessage} from '../../support/bigtable-protos';
import * as assert from 'uvu/assert';
import {
  PartialWriteError,
  mutateEntries,
} from '../../../core/bigtable/mutate-entries';
import {toRawEntry} from '../../../core/bigtable/raw-entry';
import {encodeEntries} from '../../../core/bigtable/mutate-rows-wire';

// A Bigtable data API server of the test's own (a real gRPC server on a real socket): the emulator
// never refuses an entry with a retryable status, so the client's retry rule is driven from here.
const Request = bigtableMessage('MutateRowsRequest');
const Response = bigtableMessage('MutateRowsResponse');

type Answer = (keys: string[]) => Array<{index: number; code: number}>;

/** Serves MutateRows: each call's row keys are recorded, and `answers[n]` answers the n-th call. */
async function mutateRowsServer(answers: Answer[]) {
  const calls: string[][] = [];
  const identity = (bytes: Buffer) => bytes;
  const server = new Server();
  server.addService(
    {
      mutateRows: {
        path: '/google.bigtable.v2.Bigtable/MutateRows',
        requestStream: false,
        responseStream: true,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      mutateRows: (call: ServerWritableStream<Buffer, Buffer>) => {
        const request = Request.toObject(Request.decode(call.request)) as {
          entries: {rowKey: Uint8Array}[];
        };
        const keys = request.entries.map(e => Buffer.from(e.rowKey).toString());
        const answer = answers[calls.length] ?? (() => []);
        calls.push(keys);
        const statuses = answer(keys);
        const byIndex = new Map(statuses.map(s => [s.index, s.code]));
        call.write(
          Buffer.from(
            Response.encode(
              Response.create({
                entries: keys.map((_, index) => ({
                  index,
                  status: {
                    code: byIndex.get(index) ?? status.OK,
                    message: byIndex.has(index) ? `refused ${keys[index]}` : '',
                  },
                })),
              }),
            ).finish(),
          ),
        );
        call.end();
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  );
  const bigtable = new Bigtable({
    projectId: 'p',
    apiEndpoint: `127.0.0.1:${port}`,
    metricsEnabled: false,
  });
  return {
    calls,
    table: bigtable.instance('i').table('t'),
    close: async () => {
      await bigtable.close();
      server.forceShutdown();
    },
  };
}

const at = new Date('2026-11-20T14:00:00.000Z');
const entriesOf = (keys: string[]) =>
  encodeEntries(
    keys.map(key =>
      toRawEntry({key, data: {f: {q: {value: key, timestamp: at}}}}),
    ),
  );
const refuse =
  (code: number, ...keys: string[]): Answer =>
  sent =>
    keys.map(key => ({index: sent.indexOf(key), code}));

test('entries refused with a retryable status are sent again, alone, until written', async () => {
  const server = await mutateRowsServer([
    refuse(status.UNAVAILABLE, 'b', 'd'),
    refuse(status.UNAVAILABLE, 'd'),
  ]);
  try {
    await mutateEntries(server.table, entriesOf(['a', 'b', 'c', 'd']));
    assert.equal(server.calls, [['a', 'b', 'c', 'd'], ['b', 'd'], ['d']]);
  } finally {
    await server.close();
  }
});

test('a refusal that is not retryable is not sent again, and is named by its index and key', async () => {
  const server = await mutateRowsServer([
    sent => [
      ...refuse(status.INVALID_ARGUMENT, 'b')(sent),
      ...refuse(status.UNAVAILABLE, 'c')(sent),
    ],
  ]);
  try {
    const error = await mutateEntries(
      server.table,
      entriesOf(['a', 'b', 'c']),
    ).catch((e: unknown) => e);
    assert.instance(error, PartialWriteError);
    const {errors, rpcError} = error as PartialWriteError;
    assert.is(rpcError, undefined);
    assert.equal(
      errors.map(e => [e.index, e.rowKey.toString(), e.code]),
      [[1, 'b', status.INVALID_ARGUMENT]],
    );
    assert.match((error as Error).message, 'b: refused b');
    // The retryable one was sent again, alone, and written.
    assert.equal(server.calls, [['a', 'b', 'c'], ['c']]);
  } finally {
    await server.close();
  }
});

test('after the last of 4 attempts, the entries still refused are named', async () => {
  const always = refuse(status.UNAVAILABLE, 'b');
  const server = await mutateRowsServer([always, always, always, always]);
  try {
    const error = await mutateEntries(
      server.table,
      entriesOf(['a', 'b']),
    ).catch((e: unknown) => e);
    assert.instance(error, PartialWriteError);
    assert.equal(
      (error as PartialWriteError).errors.map(e => e.index),
      [1],
    );
    assert.equal(server.calls, [['a', 'b'], ['b'], ['b'], ['b']]);
  } finally {
    await server.close();
  }
});

test.run();
