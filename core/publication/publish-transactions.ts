import {randomBytes} from 'node:crypto';
import type {Table} from '@google-cloud/bigtable';
import {
  deleteReplicatedSpans,
  readReplicatedSpans,
} from '../bigtable/replicated-spans';
import type {Logger} from '../log';
import type {AvroCodec} from '../pubsub/avro-codec';
import {AvroRecordError} from '../pubsub/avro-codec';
import type {MessagePublisher} from '../pubsub/message-publisher';
import type {StateTableSchema, TxnTableSchema} from '../resources';
import type {RowRange} from '../bigtable/read-rows';
import {streamRows} from '../bigtable/row-stream';
import {
  DELIVERY_COLUMNS,
  MalformedRowError,
  fromRow,
} from '../bigtable/txn-row';
import {readWatermark} from '../bigtable/pipeline-state';
import {occurredRanges} from './occurred-ranges';
import {PublicationMarks} from './publication-marks';
import {
  readPublicationCursor,
  writePublicationCursor,
} from './publication-cursor';
import {type QuarantinedRow, recordQuarantine} from './quarantine';
import {SaltLeases} from './salt-lease';

/**
 * Publishes the transactions of `txn_tbl` to the AVRO topic, each once at least, and marks each
 * published row's `delivery:passed_to_pub_sub` (when, and which message id) only after Pub/Sub
 * acknowledged its message. A run reads [start, watermark) and nothing else, where start is the
 * earliest of the publication cursor, the watermark and the first row of any replicated span not
 * yet taken into account; each day of that is the 8 salted row ranges, one bucket per salt lease.
 * Rows already marked are skipped; a row that cannot become a valid record is quarantined and the
 * others still go out. Once every bucket is done the cursor moves to the watermark the run read.
 *
 * A crash between a publish and its mark (marks are written in batches, see PublicationMarks)
 * publishes that row again on the next run (at least once: consumers drop duplicates by the
 * `transactionId` attribute).
 */
export interface PublicationDeps {
  txnTable: Table;
  txnSchema: TxnTableSchema;
  stateTable: Table;
  stateSchema: StateTableSchema;
  codec: AvroCodec;
  publisher: MessagePublisher;
  log: Logger;
}

export interface PublicationOptions {
  /** Messages of one bucket published together (the next chunk is read meanwhile). */
  chunkSize: number;
  /** Acknowledged rows of one bucket marked per MutateRows request. */
  markBatchSize: number;
  /** A salt lease unrenewed this long is free again (its run died). */
  leaseTtlMs: number;
  /** How often a run looks again at a bucket another run holds. */
  leasePollMs: number;
  /** Where the first run ever starts (no cursor yet): this long before the watermark. */
  initialLookbackMs: number;
  /** Stop after this long, safely below the function timeout; the cursor then stays. */
  budgetMs: number;
  now?: () => Date;
  /** Test seam: runs after a chunk's publishes were acknowledged, before its marks. */
  afterPublish?: (transactionIds: readonly string[]) => Promise<void> | void;
}

export interface PublicationReport {
  /** Rows read from txn_tbl, marked ones included. */
  rowsRead: number;
  published: number;
  alreadyPublished: number;
  quarantined: QuarantinedRow[];
  /** True when every bucket of the span was done and the cursor moved to `to`. */
  complete: boolean;
  from?: Date;
  to?: Date;
  elapsedMs: number;
}

interface Outgoing {
  rowKey: string;
  transactionId: string;
  data: Buffer;
}

const QUARANTINE_LOGGED = 100;

export async function publishTransactions(
  deps: PublicationDeps,
  options: PublicationOptions,
): Promise<PublicationReport> {
  const started = Date.now();
  const deadline = started + options.budgetMs;
  const report: PublicationReport = {
    rowsRead: 0,
    published: 0,
    alreadyPublished: 0,
    quarantined: [],
    complete: false,
    elapsedMs: 0,
  };
  const finish = () => ({...report, elapsedMs: Date.now() - started});

  const [watermark, cursor, spans] = await Promise.all([
    readWatermark(deps.stateTable, deps.stateSchema),
    readPublicationCursor(deps.stateTable, deps.stateSchema),
    readReplicatedSpans(deps.stateTable, deps.stateSchema),
  ]);
  if (!watermark) {
    deps.log.info('no replication watermark yet: nothing to publish');
    return finish();
  }
  const starts = [
    watermark.getTime(),
    cursor?.getTime() ?? watermark.getTime() - options.initialLookbackMs,
    ...spans.map(s => s.first.getTime()),
  ];
  const from = new Date(Math.min(...starts));
  report.from = from;
  report.to = watermark;

  const leases = new SaltLeases(
    deps.stateTable,
    deps.stateSchema,
    `run-${randomBytes(6).toString('hex')}`,
    options.leaseTtlMs,
  );
  const marked = deps.txnSchema.families.delivery;
  const markColumn = DELIVERY_COLUMNS.passedToPubSub;

  const quarantine = async (rows: QuarantinedRow[]) => {
    if (rows.length === 0) return;
    for (const row of rows.slice(
      0,
      Math.max(0, QUARANTINE_LOGGED - report.quarantined.length),
    )) {
      deps.log.error(
        {rowKey: row.rowKey, reason: row.reason},
        'row quarantined: it cannot be published',
      );
    }
    report.quarantined.push(...rows);
    await recordQuarantine(deps.stateTable, deps.stateSchema, rows);
  };

  /** Publishes a chunk and hands the acknowledged rows to `marks`; throws the first refusal. */
  const publishChunk = async (chunk: Outgoing[], marks: PublicationMarks) => {
    if (chunk.length === 0) return;
    const outcomes = await Promise.allSettled(
      chunk.map(m =>
        deps.publisher.publish(m.data, {transactionId: m.transactionId}),
      ),
    );
    const ackedAt = new Date();
    const acked = chunk.flatMap((m, i) => {
      const outcome = outcomes[i]!;
      return outcome.status === 'fulfilled'
        ? [
            {
              rowKey: m.rowKey,
              transactionId: m.transactionId,
              messageId: outcome.value,
            },
          ]
        : [];
    });
    await options.afterPublish?.(acked.map(a => a.transactionId));
    marks.add(acked, ackedAt);
    report.published += acked.length;
    const refused = outcomes.find(
      (o): o is PromiseRejectedResult => o.status === 'rejected',
    );
    if (refused) throw refused.reason;
  };

  /**
   * One bucket: its ranges in order, one chunk publishing while the next is read, the marks written
   * in large batches beside them. Every mark is written before this returns (and the lease goes).
   */
  const publishBucket = async (
    salt: number,
    ranges: RowRange[],
  ): Promise<boolean> => {
    if (ranges.length === 0) return true;
    const marks = new PublicationMarks(
      deps.txnTable,
      deps.txnSchema,
      options.markBatchSize,
    );
    let publishing: Promise<void> = Promise.resolve();
    let failure: unknown;
    // The lease is renewed on a heartbeat, not per chunk: a chunk can wait long on a busy topic.
    const heartbeat = setInterval(
      () => {
        leases.renew(salt).catch((error: unknown) => {
          failure ??= error;
        });
      },
      Math.max(50, Math.floor(options.leaseTtlMs / 4)),
    );
    const send = (chunk: Outgoing[]) => {
      const previous = publishing;
      publishing = previous
        .then(() =>
          failure === undefined ? publishChunk(chunk, marks) : undefined,
        )
        .catch((error: unknown) => {
          failure ??= error;
        });
      return previous;
    };
    try {
      let inTime: boolean;
      try {
        inTime = await readBucket(ranges, send, () => failure ?? marks.failure);
      } finally {
        await publishing;
        // The acknowledged rows are marked even when the bucket failed: they need not go out again.
        await marks.close().catch(() => undefined);
      }
      if (marks.failure !== undefined) throw marks.failure;
      return inTime;
    } finally {
      clearInterval(heartbeat);
    }
  };

  /**
   * Reads a bucket's ranges, handing full chunks to `send` (the stream pauses until the chunk
   * before has been acknowledged); false when the budget ran out.
   */
  const readBucket = async (
    ranges: RowRange[],
    send: (chunk: Outgoing[]) => Promise<void>,
    failed: () => unknown,
  ): Promise<boolean> => {
    let chunk: Outgoing[] = [];
    let bad: QuarantinedRow[] = [];
    let inTime = true;
    const handOver = async () => {
      const [full, rejected] = [chunk, bad];
      chunk = [];
      bad = [];
      await send(full);
      await quarantine(rejected);
    };
    await new Promise<void>((resolve, reject) => {
      let stopped = false;
      const stop = (error?: unknown) => {
        if (stopped) return;
        stopped = true;
        stream.cancel();
        if (error === undefined) resolve();
        else reject(error);
      };
      // One ReadRows for the bucket: its day ranges, in key order.
      const stream = streamRows(deps.txnTable, ranges, row => {
        report.rowsRead++;
        if (row.data[marked]?.[markColumn]) {
          report.alreadyPublished++;
          return;
        }
        try {
          const txn = fromRow(row, deps.txnSchema);
          chunk.push({
            rowKey: row.id,
            transactionId: txn.id,
            data: deps.codec.encode(deps.codec.complete({...txn})),
          });
        } catch (error) {
          if (
            !(error instanceof MalformedRowError) &&
            !(error instanceof AvroRecordError)
          )
            throw error;
          bad.push({
            rowKey: row.id,
            reason:
              error instanceof MalformedRowError
                ? error.message
                : `row ${row.id}: ${error.message}`,
          });
        }
        if (chunk.length < options.chunkSize) return;
        stream.pause();
        handOver().then(() => {
          if (failed() !== undefined) return stop();
          if (Date.now() > deadline) {
            inTime = false;
            return stop();
          }
          stream.resume();
        }, stop);
      });
      stream.done.then(() => stop(), stop);
    });
    if (failed() === undefined) await handOver();
    await send([]);
    if (failed() !== undefined) throw failed();
    return inTime;
  };

  const bySalt = occurredRanges(from, watermark);
  let waiting = bySalt.map((_, salt) => salt);
  const done: number[] = [];
  const failures: unknown[] = [];
  while (waiting.length > 0 && failures.length === 0 && Date.now() < deadline) {
    const attempts = await Promise.all(
      waiting.map(async salt => ({salt, held: await leases.acquire(salt)})),
    );
    const mine = attempts.filter(a => a.held).map(a => a.salt);
    waiting = attempts.filter(a => !a.held).map(a => a.salt);
    await Promise.all(
      mine.map(async salt => {
        try {
          if (await publishBucket(salt, bySalt[salt]!)) done.push(salt);
        } catch (error) {
          failures.push(error);
        } finally {
          await leases
            .release(salt)
            .catch((error: unknown) =>
              deps.log.warn(
                {err: error, salt},
                'could not release a publication lease: it expires',
              ),
            );
        }
      }),
    );
    if (mine.length === 0 && waiting.length > 0)
      await new Promise(resolve => setTimeout(resolve, options.leasePollMs));
  }
  if (failures.length > 0) {
    deps.log.error(
      {
        err: failures[0],
        failures: failures.length,
        published: report.published,
      },
      'publication failed',
    );
    throw failures[0];
  }
  report.complete = done.length === bySalt.length;
  if (report.complete) {
    await writePublicationCursor(deps.stateTable, deps.stateSchema, watermark);
    await deleteReplicatedSpans(deps.stateTable, spans);
  }
  const result = finish();
  deps.log[result.complete ? 'info' : 'warn'](
    {
      from: from.toISOString(),
      to: watermark.toISOString(),
      rowsRead: result.rowsRead,
      published: result.published,
      alreadyPublished: result.alreadyPublished,
      quarantined: result.quarantined.length,
      elapsedMs: result.elapsedMs,
    },
    result.complete
      ? 'publication complete'
      : 'publication budget spent: the next signal continues',
  );
  return result;
}
