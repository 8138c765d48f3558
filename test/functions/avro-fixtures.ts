/** Helpers of the bigtableToAvro suites: rows straight into txn_tbl, and a subscriber that decodes by revision. */
import type {Table} from '@google-cloud/bigtable';
import type {Message, PubSub} from '@google-cloud/pubsub';
import {loadGenerator} from '../../core/generation/generator';
import {batchIdForKey} from '../../core/generation/slot';
import {type AvroCodec, avroCodec} from '../../core/pubsub/avro-codec';
import type {StateTableSchema, TxnTableSchema} from '../../core/resources';
import type {Transaction} from '../../core/transaction';
import {
  DELIVERY_COLUMNS,
  fromRow,
  toRowEntry,
} from '../../core/bigtable/txn-row';
import {recordWatermark} from '../../core/bigtable/pipeline-state';

/** `count` generated transactions of the hour starting at `hour`, keyed `prefix`. */
export async function transactionsOf(
  prefix: string,
  hour: Date,
  count: number,
): Promise<Transaction[]> {
  const generator = await loadGenerator();
  return generator.generate({
    batchId: batchIdForKey(prefix),
    slotStart: hour,
    count,
  });
}

/** Writes transactions to txn_tbl the way replication does (same row entries), in batches. */
export async function writeRows(
  table: Table,
  schema: TxnTableSchema,
  txns: readonly Transaction[],
): Promise<void> {
  for (let i = 0; i < txns.length; i += 2000)
    await table.insert(
      txns.slice(i, i + 2000).map(txn => toRowEntry(txn, schema)),
    );
}

export const setWatermark = (
  state: Table,
  schema: StateTableSchema,
  at: Date,
) => recordWatermark(state, schema, at);

/** Every transaction of txn_tbl (decoded with the same codec the daily job uses), by id. */
export async function tableTransactions(
  table: Table,
  schema: TxnTableSchema,
): Promise<Map<string, Transaction>> {
  const [rows] = await table.getRows({filter: [{column: {cellLimit: 1}}]});
  return new Map(
    rows.map(row => fromRow(row as never, schema)).map(txn => [txn.id, txn]),
  );
}

/** passed_to_pub_sub of every row: all its versions' values, by row key. */
export async function marks(
  table: Table,
  schema: TxnTableSchema,
): Promise<Map<string, string[]>> {
  const [rows] = await table.getRows({
    filter: [
      {family: schema.families.delivery},
      {column: DELIVERY_COLUMNS.passedToPubSub},
    ],
  });
  return new Map(
    rows.map(row => [
      row.id as string,
      (
        (row.data[schema.families.delivery]?.[
          DELIVERY_COLUMNS.passedToPubSub
        ] ?? []) as Array<{value: unknown}>
      ).map(c => String(c.value)),
    ]),
  );
}

export interface Received {
  messageId: string;
  transactionId: string;
  revisionId: string;
  encoding: string;
  record: Record<string, unknown>;
}

/**
 * A pull subscription on the AVRO topic, made before anything is published: every message it gets
 * is acked and decoded with the schema revision Pub/Sub names in its attributes (listed from
 * Pub/Sub, not from the .avsc file), in the encoding it names.
 */
export async function avroSubscriber(
  pubsub: PubSub,
  topic: string,
  name: string,
) {
  const [subscription] = await pubsub
    .topic(topic)
    .createSubscription(name, {ackDeadlineSeconds: 60});
  const client = await pubsub.getSchemaClient();
  const codecs = new Map<string, AvroCodec>();
  const codecFor = async (
    schema: string,
    revision: string,
  ): Promise<AvroCodec> => {
    let codec = codecs.get(revision);
    if (!codec) {
      const [found] = await client.getSchema({
        name: `${schema}@${revision}`,
        view: 'FULL',
      });
      codec = avroCodec(found.definition!, 'JSON');
      codecs.set(revision, codec);
    }
    return codec;
  };
  const received: Received[] = [];
  const errors: Error[] = [];
  let lastArrival = Date.now();
  const pending: Array<Promise<void>> = [];
  subscription.on('message', (message: Message) => {
    lastArrival = Date.now();
    message.ack();
    const attributes = message.attributes;
    pending.push(
      codecFor(
        attributes.googclient_schemaname!,
        attributes.googclient_schemarevisionid!,
      )
        .then(codec => {
          const encoding = attributes.googclient_schemaencoding!;
          received.push({
            messageId: message.id,
            transactionId: attributes.transactionId ?? '',
            revisionId: attributes.googclient_schemarevisionid!,
            encoding,
            record: codec.decode(message.data, encoding as 'JSON' | 'BINARY'),
          });
        })
        .catch((error: Error) => {
          errors.push(error);
        }),
    );
  });
  subscription.on('error', (error: Error) => errors.push(error));
  return {
    received,
    errors,
    /** Waits until at least `count` messages arrived and nothing more came for `quietMs`. */
    async settle(
      count: number,
      quietMs = 1500,
      timeoutMs = 120_000,
    ): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      while (
        received.length + errors.length < count ||
        Date.now() - lastArrival < quietMs
      ) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out with ${received.length} of ${count} messages (${errors.length} errors)`,
          );
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      await Promise.all(pending);
      if (errors.length > 0) throw errors[0];
      return received;
    },
    /** Forgets what was received so far. */
    clear() {
      received.length = 0;
    },
    close: () => subscription.close(),
  };
}

/** Counts of messages per transaction id. */
export function copiesById(received: readonly Received[]): Map<string, number> {
  const copies = new Map<string, number>();
  for (const message of received)
    copies.set(
      message.transactionId,
      (copies.get(message.transactionId) ?? 0) + 1,
    );
  return copies;
}

/** A decoded record in the Transaction's shape (the schema's field names are the Transaction's). */
export function asTransaction(record: Record<string, unknown>): Transaction {
  const {
    id,
    batchId,
    occurredAt,
    accountId,
    merchant,
    merchantCategory,
    type,
    amountMinor,
    currency,
  } = record as unknown as Transaction;
  return {
    id,
    batchId,
    occurredAt,
    accountId,
    merchant,
    merchantCategory,
    type,
    amountMinor,
    currency,
  };
}

/** A replicated signal as a push envelope. */
export function replicatedEnvelope(messageId: string, body = '{}') {
  return {
    message: {
      data: Buffer.from(body).toString('base64'),
      attributes: {},
      messageId,
      publishTime: new Date().toISOString(),
    },
    subscription: 'projects/x/subscriptions/bigtable-to-avro',
  };
}
