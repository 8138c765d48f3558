/**
 * The change messages Google's "Bigtable change streams to Pub/Sub" template would publish for
 * writes to txn_tbl: one ChangelogEntryMessage per cell set, AVRO, BINARY-encoded, through the
 * topic that enforces its schema. The Bigtable emulator has no change streams (calling
 * readChangeStream kills it), so tests build these from the same row entries replication writes.
 */
import type {PubSub} from '@google-cloud/pubsub';
import {DELIVERY_COLUMNS, toRowEntry} from '../../../core/bigtable/txn-row';
import {
  type ChangeRecord,
  encodeChange,
} from '../../../core/changelog/change-record';
import type {TxnTableSchema} from '../../../core/resources';
import type {Transaction} from '../../../core/transaction';

const micros = (date: Date) => date.getTime() * 1000;
/** Where the template says the changes happened. */
const SOURCE = {
  sourceInstance: 'fin-bt',
  sourceCluster: 'fin-bt-c1',
  sourceTable: 'txn_tbl',
};

/** The SET_CELL records of one replication write of `txn`, committed at `commitAt`. */
export function replicationChanges(
  txn: Transaction,
  schema: TxnTableSchema,
  commitAt: Date,
): ChangeRecord[] {
  const entry = toRowEntry(txn, schema);
  const records: ChangeRecord[] = [];
  for (const [family, cells] of Object.entries(entry.data)) {
    for (const [column, cell] of Object.entries(cells)) {
      records.push({
        rowKey: Buffer.from(entry.key),
        modType: 'SET_CELL',
        isGC: false,
        tieBreaker: 0,
        columnFamily: family,
        commitTimestamp: micros(commitAt),
        ...SOURCE,
        column: Buffer.from(column),
        timestamp: micros(cell.timestamp),
        timestampFrom: null,
        timestampTo: null,
        value: Buffer.from(cell.value),
      });
    }
  }
  return records;
}

/** The `delivery:passed_to_pub_sub` mark the AVRO publisher sets once a row is published. */
export function passedToPubSubChange(
  rowKey: string,
  schema: TxnTableSchema,
  at: Date,
  messageId: string,
): ChangeRecord {
  return {
    rowKey: Buffer.from(rowKey),
    modType: 'SET_CELL',
    isGC: false,
    tieBreaker: 0,
    columnFamily: schema.families.delivery,
    commitTimestamp: micros(at),
    ...SOURCE,
    column: Buffer.from(DELIVERY_COLUMNS.passedToPubSub),
    timestamp: micros(at),
    timestampFrom: null,
    timestampTo: null,
    value: Buffer.from(JSON.stringify({at: at.toISOString(), messageId})),
  };
}

/** Publishes each record as the template does (one BINARY datum a message); resolves with the message ids. */
export async function publishChanges(
  pubsub: PubSub,
  topic: string,
  records: readonly ChangeRecord[],
): Promise<string[]> {
  const publisher = pubsub.topic(topic, {
    batching: {maxMessages: 500, maxMilliseconds: 5},
  });
  try {
    return await Promise.all(
      records.map(record =>
        publisher.publishMessage({data: encodeChange(record)}),
      ),
    );
  } finally {
    await publisher.flush();
  }
}
