import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  batchObjectName,
  hourOf,
  hoursBetween,
} from '../../../core/changelog/archive-layout';
import {
  type ChangeRecord,
  changeIdentity,
  decodeChange,
  encodeChange,
  MalformedChangeError,
} from '../../../core/changelog/change-record';
import {
  decodeContainer,
  encodeContainer,
} from '../../../core/changelog/container-file';
import {
  describeChange,
  formatChange,
} from '../../../core/changelog/describe-change';
import {defaultResources} from '../../../core/resources';
import {transactionsOf} from '../summary/fixtures';
import {replicationChanges} from './change-messages';

const txnSchema = defaultResources('p').bigtable.txn;
const [txn] = [...transactionsOf('2026-11-20', 1, 7)];
const records = replicationChanges(
  txn!,
  txnSchema,
  new Date('2026-11-21T01:02:03.456Z'),
);

test('a replication write is seven SET_CELL changes, one per cell', () => {
  assert.equal(
    records.map(r => `${r.columnFamily}:${r.column}`),
    [
      'txn:account_id',
      'txn:merchant',
      'txn:merchant_category',
      'txn:type',
      'txn:amount_minor',
      'txn:currency',
      'delivery:batch_id',
    ],
  );
});

test('a BINARY message decodes back to the same record, and its identity does not depend on the message', () => {
  const record = records[4]!;
  const decoded = decodeChange(encodeChange(record));
  assert.equal({...decoded}, record);
  assert.is(changeIdentity(decoded), changeIdentity(record));
  assert.is.not(changeIdentity(records[3]!), changeIdentity(record));
});

test('a message that is not a ChangelogEntryMessage, or breaks its rules, is refused with the reason', () => {
  const malformed = (data: Buffer, reason: RegExp) => {
    assert.throws(
      () => decodeChange(data),
      (error: unknown) =>
        error instanceof MalformedChangeError && reason.test(error.message),
    );
  };
  malformed(Buffer.alloc(0), /no data/);
  malformed(
    Buffer.from('{"rowKey":"x"}'),
    /not a BINARY ChangelogEntryMessage/,
  );
  malformed(
    encodeChange(records[0]!).subarray(0, 10),
    /not a BINARY ChangelogEntryMessage/,
  );
  malformed(
    encodeChange({...records[0]!, value: null}),
    /SET_CELL without a value/,
  );
  malformed(
    encodeChange({...records[0]!, commitTimestamp: 1_700_000_000_000}),
    /commitTimestamp/,
  );
  malformed(
    encodeChange({
      ...records[0]!,
      modType: 'DELETE_CELLS',
      column: null,
      value: null,
    }),
    /DELETE_CELLS without a column/,
  );
});

test('a container file holds the records, and the same records with the same marker make the same bytes', async () => {
  const marker = Buffer.alloc(16, 7);
  const a = encodeContainer(records.map(encodeChange), marker);
  const b = encodeContainer(records.map(encodeChange), marker);
  assert.ok(a.equals(b));
  assert.is(a.subarray(0, 4).toString('latin1'), 'Obj\u0001');
  assert.equal(
    (await decodeContainer(a, 'x')).map(r => ({...r})),
    records,
  );
});

test('partitions: the commit hour, names from the records in any order, every hour of a span', () => {
  assert.is(hourOf(records[0]!.commitTimestamp), '2026-11-21/01/');
  const ids = records.map(changeIdentity);
  assert.is(
    batchObjectName('2026-11-21/01/', ids),
    batchObjectName('2026-11-21/01/', [...ids].reverse()),
  );
  assert.match(
    batchObjectName('2026-11-21/01/', ids),
    /^2026-11-21\/01\/[0-9a-f]{40}\.avro$/,
  );
  assert.equal(
    hoursBetween(
      new Date('2026-11-21T22:59:00Z'),
      new Date('2026-11-22T01:00:00Z'),
    ),
    ['2026-11-21/22/', '2026-11-21/23/', '2026-11-22/00/', '2026-11-22/01/'],
  );
});

test('a change reads as its cell, its times and its decoded value', () => {
  const amount = describeChange(records[4]!, txnSchema);
  assert.is(amount.cell, 'txn:amount_minor');
  assert.is(amount.value, txn!.amountMinor.toString());
  assert.is(amount.commitTime, '2026-11-21T01:02:03.456000Z');
  assert.is(
    amount.cellTime,
    `${txn!.occurredAt.toISOString().slice(0, 23)}000Z`,
  );
  assert.match(
    formatChange(amount),
    /SET_CELL .* txn:amount_minor {2}@.* = "\d+"$/,
  );
  const other: ChangeRecord = {
    ...records[4]!,
    columnFamily: 'other',
    value: Buffer.from([0xff, 0x00]),
  };
  assert.equal(
    [
      describeChange(other, txnSchema).value,
      describeChange(other, txnSchema).valueEncoding,
    ],
    ['/wA=', 'base64'],
  );
});

test.run();
