/**
 * The names of every cloud resource the pipeline touches, in one place.
 *
 * Production uses `defaultResources(project)`. Tests isolate themselves by overriding names
 * (a Bigtable instance, a SQL database, a Pub/Sub project, a bucket per suite) instead of
 * mocking clients, so the same code runs against the emulators and against Google Cloud.
 */
export interface TxnTableSchema {
  id: string;
  families: {
    /** The facts of the transaction itself: amount, currency, type, account, merchant, time. */
    transaction: string;
    /** Where the row has been delivered: replication batch, replicated-at, passed_to_pub_sub. */
    delivery: string;
  };
}

export interface SummaryTableSchema {
  id: string;
  families: { count: string; sum: string };
}

export interface StateTableSchema {
  id: string;
  families: { state: string };
}

export interface Resources {
  project: string;
  sql: {
    /** Cloud SQL instance id (the connection name is `project:region:instance`). */
    instance: string;
    database: string;
  };
  bigtable: {
    instance: string;
    txn: TxnTableSchema;
    summaries: SummaryTableSchema;
    /** Small table for pipeline bookkeeping (the replication watermark, loaded-dates markers). */
    state: StateTableSchema;
  };
  pubsub: {
    /** Signal published by httpGenerate after each committed batch. */
    generatedTopic: string;
    /** Where signals go after maxDeliveryAttempts failed deliveries. */
    generatedDeadLetterTopic: string;
    /** Push subscription (Eventarc-style) that drives pubsubReplicate. */
    replicateSubscription: string;
    maxDeliveryAttempts: number;
    /** AVRO-schema topic fed by bigtableToAvro. */
    avroTopic: string;
    avroSchema: string;
  };
  storage: {
    bucket: string;
    /** Object prefix of the daily summary CSVs inside the bucket. */
    summariesPrefix: string;
  };
}

export function defaultResources(project: string, bucket = `${project}-finserv-summaries`): Resources {
  return {
    project,
    sql: { instance: 'fin-serv-instance', database: 'finserv' },
    bigtable: {
      instance: 'fin-bt',
      txn: { id: 'txn_tbl', families: { transaction: 'txn', delivery: 'delivery' } },
      summaries: { id: 'daily_transactions_summaries_from_csv', families: { count: 'count', sum: 'sum' } },
      state: { id: 'pipeline_state', families: { state: 'state' } },
    },
    pubsub: {
      generatedTopic: 'transactions-generated',
      generatedDeadLetterTopic: 'transactions-generated-dead-letter',
      replicateSubscription: 'pubsub-replicate',
      maxDeliveryAttempts: 10,
      avroTopic: 'transactions-avro',
      avroSchema: 'transaction-avro',
    },
    storage: { bucket, summariesPrefix: 'summaries/' },
  };
}

/**
 * A Cloud SQL user of one part (`migrate`, `generate`, `replicate`, and `admin` for sessions and
 * user management) and the Secret Manager pair holding its name and password.
 * scripts/lib/settings.sh builds the same names for the deploy.
 */
export interface DatabaseLogin {
  user: string;
  userSecret: string;
  passwordSecret: string;
}

export function databaseLogin(part: string): DatabaseLogin {
  if (!/^[a-z]{1,20}$/.test(part)) throw new RangeError(`"${part}" is not a part name`);
  return { user: `finserv_${part}`, userSecret: `fin_serv_${part}_db_user`, passwordSecret: `fin_serv_${part}_db_password` };
}
