import {test} from 'uvu';
import * as assert from 'uvu/assert';
import type {Table} from '@google-cloud/bigtable';
import {loadGenerator} from '../../../core/generation/generator';
import {batchIdForKey} from '../../../core/generation/slot';
import {provisionBigtable} from '../../../core/provision/bigtable';
import {
  encodeTransactions,
  writeEncoded,
  writeResultOf,
} from '../../../core/replication/bigtable-writer';
import {PartialWriteError} from '../../../core/bigtable/mutate-entries';
import {RawEntry} from '../../../core/bigtable/raw-entry';
import {encodeEntries} from '../../../core/bigtable/mutate-rows-wire';
import {toRowEntry, toTxnRawEntries} from '../../../core/bigtable/txn-row';
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

test('a partial failure: only the rows Bigtable did not refuse count as accepted, and are stored', async () => {
  await provisionBigtable(bigtable, resources.bigtable);
  const table = bigtable
    .instance(resources.bigtable.instance)
    .table(resources.bigtable.txn.id);
  const txns = (await loadGenerator()).generate({
    batchId: batchIdForKey('partial'),
    slotStart,
    count: 10,
  });
  const good = toTxnRawEntries(txns, resources.bigtable.txn);
  // Rows 2 and 7 hold only a cell of a family the table does not have: the emulator refuses just
  // those entries and writes the others.
  const refused = (i: number) =>
    new RawEntry(good[i]!.rowKey, [
      {
        setCell: {
          familyName: 'no_such_family',
          columnQualifier: Buffer.from('q'),
          timestampMicros: slotStart.getTime() * 1000,
          value: Buffer.from('v'),
        },
      },
    ]);
  const entries = encodeEntries(
    good.map((entry, i) => (i === 2 || i === 7 ? refused(i) : entry)),
  );
  const ids = txns.map(t => t.id);
  const partial = await writeEncoded(table, {ids, entries}, 10_000);
  assert.equal(partial.failed.sort(), [txns[2]!.id, txns[7]!.id].sort());
  assert.equal(
    partial.accepted,
    txns.filter((_, i) => i !== 2 && i !== 7).map(t => t.id),
  );
  assert.instance(partial.error, PartialWriteError);
  // The refusals name their entries' row keys.
  assert.equal(
    (partial.error as PartialWriteError).errors.map(e => e.rowKey.toString()),
    [good[2]!.rowKey.toString(), good[7]!.rowKey.toString()],
  );
  const [stored] = await table.getRows({
    keys: txns.map(t => toRowEntry(t, resources.bigtable.txn).key),
  });
  assert.equal(
    stored.map(row => row.id).sort(),
    txns
      .filter((_, i) => i !== 2 && i !== 7)
      .map(t => toRowEntry(t, resources.bigtable.txn).key)
      .sort(),
  );
});

test('a failed write whose outcome is not known for every row: nothing accepted', () => {
  const ids = ['a', 'b', 'c'];
  const refused = (index: number) => ({
    index,
    rowKey: Buffer.from(ids[index] ?? '?'),
    code: 13,
    message: 'refused',
  });
  // The call failed too: the rows not named may be unwritten as well.
  const rpc = writeResultOf(
    ids,
    new PartialWriteError([refused(1)], new Error('14 UNAVAILABLE')),
  );
  assert.equal(rpc.accepted, []);
  assert.equal(rpc.failed, ids);
  // A refusal naming an entry that was not sent: nothing can be trusted either.
  const stranger = writeResultOf(ids, new PartialWriteError([refused(3)]));
  assert.equal(stranger.accepted, []);
  const plain = writeResultOf(ids, new Error('DEADLINE_EXCEEDED'));
  assert.equal(plain.accepted, []);
  assert.equal(plain.failed, ids);
  const named = writeResultOf(ids, new PartialWriteError([refused(1)]));
  assert.equal(named.accepted, ['a', 'c']);
  assert.equal(named.failed, ['b']);
});

test.run();
