import {test} from 'uvu';
import * as assert from 'uvu/assert';
import type {Table} from '@google-cloud/bigtable';
import {loadGenerator} from '../../../core/generation/generator';
import {batchIdForKey} from '../../../core/generation/slot';
import {provisionBigtable} from '../../../core/provision/bigtable';
import {
  encodeTransactions,
  writeEncoded,
} from '../../../core/replication/bigtable-writer';
import {toRowEntry} from '../../../core/bigtable/txn-row';
import type {Transaction} from '../../../core/transaction';
import {platformClients} from '../../support/suite-env';
import {suiteResources} from '../../support/suite-resources';
import {dumpTable} from '../../functions/fixtures';
import {packTransactions} from '../../support/pack-transactions';

const resources = suiteResources('bt-writer');
const {bigtable} = platformClients(resources.project);
const slotStart = new Date('2026-11-20T14:00:00.000Z');
const writeTransactions = (
  table: Table,
  schema: typeof resources.bigtable.txn,
  txns: readonly Transaction[],
  timeoutMs: number,
) =>
  writeEncoded(
    table,
    encodeTransactions(packTransactions(txns), schema),
    timeoutMs,
  );

test.after(async () => {
  await bigtable.close();
});

test('the wire-shape write stores exactly the cells the client insert of toRowEntry stores', async () => {
  const viaInsert = {...resources.bigtable.txn, id: 'via_insert'};
  await provisionBigtable(bigtable, resources.bigtable);
  await provisionBigtable(bigtable, {...resources.bigtable, txn: viaInsert});
  const instance = bigtable.instance(resources.bigtable.instance);
  const txns = (await loadGenerator()).generate({
    batchId: batchIdForKey('wire'),
    slotStart,
    count: 300,
  });
  const result = await writeTransactions(
    instance.table(resources.bigtable.txn.id),
    resources.bigtable.txn,
    txns,
    10_000,
  );
  assert.is(result.accepted.length, 300);
  assert.is(result.failed.length, 0);
  await instance
    .table(viaInsert.id)
    .insert(txns.map(t => toRowEntry(t, viaInsert)));
  assert.is(
    await dumpTable(instance.table(resources.bigtable.txn.id)),
    await dumpTable(instance.table(viaInsert.id)),
  );
});

test('a batch with text beyond ASCII (more bytes than characters) stores the cells the client insert stores', async () => {
  const viaInsert = {...resources.bigtable.txn, id: 'via_insert_utf8'};
  await provisionBigtable(bigtable, {...resources.bigtable, txn: viaInsert});
  const instance = bigtable.instance(resources.bigtable.instance);
  const txns = (await loadGenerator()).generate({
    batchId: batchIdForKey('wire-utf8'),
    slotStart,
    count: 5,
  });
  txns[1] = {
    ...txns[1]!,
    merchant: 'Café Zürich ☕',
    merchantCategory: 'Bäckerei',
  };
  const target = {...resources.bigtable.txn, id: 'via_writer_utf8'};
  await provisionBigtable(bigtable, {...resources.bigtable, txn: target});
  const result = await writeTransactions(
    instance.table(target.id),
    target,
    txns,
    10_000,
  );
  assert.is(result.accepted.length, 5);
  await instance
    .table(viaInsert.id)
    .insert(txns.map(t => toRowEntry(t, viaInsert)));
  const written = await dumpTable(instance.table(target.id));
  assert.ok(
    written.includes('Café Zürich ☕'),
    'the non-ASCII merchant reads back as written',
  );
  assert.is(written, await dumpTable(instance.table(viaInsert.id)));
});

test('a table Bigtable refuses every row of: nothing accepted', async () => {
  const instance = bigtable.instance(resources.bigtable.instance);
  const txns = (await loadGenerator()).generate({
    batchId: batchIdForKey('refused'),
    slotStart,
    count: 20,
  });
  const missingFamily = {
    ...resources.bigtable.txn,
    families: {...resources.bigtable.txn.families, delivery: 'no_such_family'},
  };
  const result = await writeTransactions(
    instance.table(resources.bigtable.txn.id),
    missingFamily,
    txns,
    10_000,
  );
  assert.is(result.accepted.length, 0);
  assert.is(result.failed.length, 20);
  assert.ok(result.error);
});

/** A partial failure as the client reports it; the emulator cannot be made to fail only some rows. */
function partialFailure(failedKeys: string[], rpcFailed = false): Error {
  const error = new Error(
    `Multiple errors occurred${rpcFailed ? 'Request failed with: 14 UNAVAILABLE' : ''}`,
  ) as Error & {errors: unknown[]};
  error.name = 'PartialFailureError';
  error.errors = failedKeys.map(key => ({
    code: 10,
    message: 'aborted',
    entry: {rowKey: Buffer.from(key)},
  }));
  return error;
}

test('a partial failure: only the rows Bigtable did not refuse count as accepted', async () => {
  const txns = (await loadGenerator()).generate({
    batchId: batchIdForKey('partial'),
    slotStart,
    count: 10,
  });
  const keys = txns.map(t => toRowEntry(t, resources.bigtable.txn).key);
  const failing = (error: Error) =>
    ({mutate: async () => Promise.reject(error)}) as unknown as Table;

  const partial = await writeTransactions(
    failing(partialFailure([keys[2]!, keys[7]!])),
    resources.bigtable.txn,
    txns,
    1000,
  );
  assert.equal(partial.failed.sort(), [txns[2]!.id, txns[7]!.id].sort());
  assert.equal(
    partial.accepted,
    txns.filter((_, i) => i !== 2 && i !== 7).map(t => t.id),
  );

  // When the RPC itself also failed, rows may be unaccounted for: none counts as accepted.
  const rpc = await writeTransactions(
    failing(partialFailure([keys[2]!], true)),
    resources.bigtable.txn,
    txns,
    1000,
  );
  assert.is(rpc.accepted.length, 0);
  // An error naming a row that was not sent: nothing can be trusted either.
  const unknown = await writeTransactions(
    failing(partialFailure(['00#2026-01-01#00:00:00.000#other'])),
    resources.bigtable.txn,
    txns,
    1000,
  );
  assert.is(unknown.accepted.length, 0);
  const plain = await writeTransactions(
    failing(new Error('DEADLINE_EXCEEDED')),
    resources.bigtable.txn,
    txns,
    1000,
  );
  assert.is(plain.accepted.length, 0);
  assert.is(plain.failed.length, 10);
});

test.run();
