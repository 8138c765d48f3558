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
  families: {count: string; sum: string};
}

export interface StateTableSchema {
  id: string;
  families: {state: string};
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
    /** Signal published by pubsubReplicate after a run that wrote rows; drives bigtableToAvro. */
    replicatedTopic: string;
    /** Where bigtableToAvro's trigger sends a signal after maxDeliveryAttempts failed deliveries. */
    replicatedDeadLetterTopic: string;
    /** AVRO-schema topic fed by bigtableToAvro. */
    avroTopic: string;
    avroSchema: string;
    /**
     * The push subscription on `replicatedTopic` that drives bigtableToAvro where no Eventarc
     * trigger makes one (`npm start`); in the cloud the trigger owns its own.
     */
    avroPublishSubscription: string;
    /** A pull subscription on `avroTopic` that `npm start` counts the published transactions from. */
    avroCheckSubscription: string;
    changes: ChangesTopic;
  };
  storage: {
    bucket: string;
    /** Object prefix of the daily summary CSVs inside the bucket. */
    summariesPrefix: string;
    /** The change log archive: `<prefix>yyyy-mm-dd/hh/<batch>.avro`. */
    changelogPrefix: string;
    /** Change messages the archiver could not read, one JSON report each, with the reason. */
    changelogDeadLetterPrefix: string;
    /** The change-stream template's own dead-letter directory (records it could not publish). */
    changeStreamDeadLetterPrefix: string;
  };
}

/** Bigtable's change stream of `txn_tbl`, published by Google's template, kept by the archiver. */
export interface ChangesTopic {
  /** Topic the template publishes ChangelogEntryMessage records to, AVRO, BINARY-encoded. */
  topic: string;
  /** The Pub/Sub schema enforced on `topic` (core/avro/changelog-entry.avsc). */
  schema: string;
  /** Pull subscription the change-log archiver reads. */
  archiverSubscription: string;
  /** The change stream's retention on `txn_tbl`, in days (Bigtable allows 1-7). */
  retentionDays: number;
  /** The app profile the template reads the change stream through (single-cluster routing). */
  appProfile: string;
  /** The streaming Dataflow job running the template. */
  job: string;
}

export function defaultResources(
  project: string,
  bucket = `${project}-finserv-summaries`,
): Resources {
  return {
    project,
    sql: {instance: 'fin-serv-instance', database: 'finserv'},
    bigtable: {
      instance: 'fin-bt',
      txn: {
        id: 'txn_tbl',
        families: {transaction: 'txn', delivery: 'delivery'},
      },
      summaries: {
        id: 'daily_transactions_summaries_from_csv',
        families: {count: 'count', sum: 'sum'},
      },
      state: {id: 'pipeline_state', families: {state: 'state'}},
    },
    pubsub: {
      generatedTopic: 'transactions-generated',
      generatedDeadLetterTopic: 'transactions-generated-dead-letter',
      replicateSubscription: 'pubsub-replicate',
      maxDeliveryAttempts: 10,
      replicatedTopic: 'transactions-replicated',
      replicatedDeadLetterTopic: 'transactions-replicated-dead-letter',
      avroTopic: 'transactions-avro',
      avroSchema: 'transaction-avro',
      avroPublishSubscription: 'bigtable-to-avro',
      avroCheckSubscription: 'avro-reconcile',
      changes: {
        topic: 'txn-changes',
        schema: 'txn-changelog-entry',
        archiverSubscription: 'changelog-archiver',
        retentionDays: 7,
        appProfile: 'txn-change-stream',
        job: 'bit-table-transaction-updates',
      },
    },
    storage: {
      bucket,
      summariesPrefix: 'summaries/',
      changelogPrefix: 'changelog/',
      changelogDeadLetterPrefix: 'changelog-errors/',
      changeStreamDeadLetterPrefix: 'change-stream-dlq/',
    },
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
  if (!/^[a-z]{1,20}$/.test(part))
    throw new RangeError(`"${part}" is not a part name`);
  return {
    user: `finserv_${part}`,
    userSecret: `fin_serv_${part}_db_user`,
    passwordSecret: `fin_serv_${part}_db_password`,
  };
}
