/**
 * Provisions, in Google Cloud, what has the same API locally, with the very code the local platform
 * runs (core/provision):
 *
 *   --resources   Bigtable tables and families, Pub/Sub topics and the AVRO schema, the bucket
 *                 (scripts/bootstrap.sh, as the owner: creating them needs admin roles)
 *   --migrations  the SQL migrations, as the migrations database user (scripts/deploy.sh, every push)
 *   --avro-schema a new revision of the AVRO schema when core/avro/transaction.avsc changed
 *                 (bigtableToAvro's deploy, every push: the deployer may commit revisions, not create)
 *
 *   node --import tsx scripts/provision.ts --resources --project=P --region=R --bucket=B
 *   node --import tsx scripts/provision.ts --migrations --project=P --cloud-sql-instance=P:R:I --database=D
 *   node --import tsx scripts/provision.ts --avro-schema --project=P
 *
 * Uses Application Default Credentials; the migrations user's name and password come from Secret Manager.
 */
import {PubSub} from '@google-cloud/pubsub';
import {Storage} from '@google-cloud/storage';
import {parseArgs} from 'node:util';
import {createBigtableClient} from '../core/bigtable/client';
import {createLogger} from '../core/log';
import {provisionAll} from '../core/provision/provision';
import {reviseSchema} from '../core/provision/pubsub';
import {readTransactionAvsc} from '../core/provision/transaction-avsc';
import {defaultResources} from '../core/resources';
import {CachedSecrets, SecretManagerSecrets} from '../core/secrets';
import {operatorConnection} from '../core/sql/cloud-sql-login';
import {INSTANCE_CONNECTION_NAME, openSqlPool} from '../core/sql/connect';
import {applyMigrations} from '../core/sql/migrations';

const log = createLogger('provision');

const USAGE = `usage: node --import tsx scripts/provision.ts --resources --project P [--region R] [--bucket B]
       node --import tsx scripts/provision.ts --migrations --project P --cloud-sql-instance P:REGION:INSTANCE --database D
       node --import tsx scripts/provision.ts --avro-schema --project P
  --resources: every Bigtable table and family, Pub/Sub topic and schema, the bucket (scripts/bootstrap.sh)
  --migrations: the SQL migrations, as the migrations database user (scripts/deploy.sh)
  --avro-schema: a new revision of the AVRO schema when its .avsc changed (scripts/parts/bigtable_to_avro.sh)
`;

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      resources: {type: 'boolean', default: false},
      migrations: {type: 'boolean', default: false},
      'avro-schema': {type: 'boolean', default: false},
      project: {type: 'string'},
      region: {type: 'string', default: 'us-central1'},
      bucket: {type: 'string'},
      'cloud-sql-instance': {type: 'string'},
      database: {type: 'string'},
      help: {type: 'boolean', default: false},
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const project = values.project;
  if (!project) throw new Error('--project is required');
  if (
    [values.resources, values.migrations, values['avro-schema']].filter(Boolean)
      .length !== 1
  ) {
    throw new Error(
      'give exactly one of --resources, --migrations and --avro-schema',
    );
  }
  const resources = defaultResources(project, values.bucket);
  if (values['avro-schema']) {
    const schema = await reviseSchema(
      new PubSub({projectId: project}),
      resources.pubsub.avroSchema,
      readTransactionAvsc(),
      {create: false},
    );
    log.info({schema}, 'AVRO schema matches core/avro/transaction.avsc');
    return;
  }
  if (values.resources) {
    await provisionAll(
      {
        bigtable: createBigtableClient({projectId: project}),
        pubsub: new PubSub({projectId: project}),
        storage: new Storage({projectId: project}),
      },
      resources,
      {
        pubsub: {withReplicateSubscription: false},
        bucket: {location: values.region},
      },
    );
    log.info(
      {
        project,
        bigtable: resources.bigtable.instance,
        bucket: resources.storage.bucket,
      },
      'provisioned',
    );
    return;
  }
  const instance = values['cloud-sql-instance'];
  if (!instance || !INSTANCE_CONNECTION_NAME.test(instance))
    throw new Error('--cloud-sql-instance must be project:region:instance');
  const database = values.database ?? resources.sql.database;
  const sql = await openSqlPool(
    operatorConnection(instance, project, 'migrate'),
    {
      secrets: () => new CachedSecrets(new SecretManagerSecrets(project)),
    },
  );
  try {
    const applied = await applyMigrations(sql.pool, database);
    log.info({database, applied}, `migrations: ${applied.length} applied`);
  } finally {
    await sql.close();
  }
}

main().catch((error: unknown) => {
  log.error({err: error}, `provisioning failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
