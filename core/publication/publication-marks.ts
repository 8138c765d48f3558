import type {Table} from '@google-cloud/bigtable';
import {mutateEntries} from '../bigtable/mutate-entries';
import {type RawEntry, toRawEntry} from '../bigtable/raw-entry';
import {DELIVERY_COLUMNS} from '../bigtable/txn-row';
import type {TxnTableSchema} from '../resources';

/**
 * What `delivery:passed_to_pub_sub` holds: `{"at":ISO,"messageId":ID}`, JSON.stringify's text of
 * that object, written out here because the instant is the same for a whole chunk of rows.
 */
function passedToPubSubValue(atJson: string, messageId: string): string {
  return `{"at":${atJson},"messageId":${JSON.stringify(messageId)}}`;
}

export interface AckedRow {
  rowKey: string;
  messageId: string;
}

/**
 * The `passed_to_pub_sub` marks of one salt bucket's acknowledged rows, written in large MutateRows
 * (one cell a row, `batchSize` rows a request, one request in flight) beside the publishing
 * instead of one request per published chunk in its path: the next chunk's publishes start as
 * soon as the previous chunk is acknowledged. A row is only ever added once Pub/Sub acknowledged
 * it, so a mark still never precedes its ack; a crash loses at most the unwritten marks, whose
 * rows the next run publishes again (at least once). `close` writes the rest and must finish
 * before the bucket's lease is released, so the next run over the bucket sees every mark.
 */
export class PublicationMarks {
  private pending: RawEntry[] = [];
  private writing: Promise<void> = Promise.resolve();
  private error: unknown;

  constructor(
    private readonly table: Table,
    private readonly schema: TxnTableSchema,
    private readonly batchSize: number,
  ) {}

  /** The first failed write, if any: the bucket stops. */
  get failure(): unknown {
    return this.error;
  }

  add(rows: readonly AckedRow[], ackedAt: Date): void {
    const family = this.schema.families.delivery;
    const atJson = JSON.stringify(ackedAt.toISOString());
    for (const row of rows) {
      const cell = {
        value: passedToPubSubValue(atJson, row.messageId),
        timestamp: ackedAt,
      };
      this.pending.push(
        toRawEntry({
          key: row.rowKey,
          data: {[family]: {[DELIVERY_COLUMNS.passedToPubSub]: cell}},
        }),
      );
    }
    if (this.pending.length >= this.batchSize) this.write();
  }

  private write(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (this.error === undefined) await mutateEntries(this.table, batch);
    });
    this.writing = this.writing.catch((error: unknown) => {
      this.error ??= error;
    });
  }

  /** Writes what is pending and waits for every write; throws the first failure. */
  async close(): Promise<void> {
    this.write();
    await this.writing;
    if (this.error !== undefined) throw this.error;
  }
}
