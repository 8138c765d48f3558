/**
 * Provisions, in Google Cloud, what has the same API locally: Bigtable tables and families, Pub/Sub
 * topics and the AVRO schema, the bucket, and the SQL migrations, with the very code the local
 * platform runs (core/provision). Called by scripts/deploy.sh after the instances exist:
 *
 *   node --import tsx scripts/provision.ts --project=P --region=R --bucket=B --cloud-sql-instance=P:R:I
 *
 * Uses Application Default Credentials. The SQL user and password come from Secret Manager.
 */
import { PubSub } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import { parseArgs } from 'node:util';
import { createBigtableClient } from '../core/bigtable/client';
import { createLogger } from '../core/log';
import { provisionAll } from '../core/provision/provision';
import { defaultResources } from '../core/resources';
import { CachedSecrets, SecretManagerSecrets } from '../core/secrets';
import { DEFAULT_PASSWORD_SECRET, DEFAULT_USER_SECRET, INSTANCE_CONNECTION_NAME, openSqlPool } from '../core/sql/connect';

const log = createLogger('provision');

const USAGE = `usage: node --import tsx scripts/provision.ts --project P --cloud-sql-instance P:REGION:INSTANCE [--region R] [--bucket B]
  creates every Bigtable table and family, Pub/Sub topic and schema, and applies the SQL migrations (run by scripts/deploy.sh)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      project: { type: 'string' },
      region: { type: 'string', default: 'us-central1' },
      bucket: { type: 'string' },
      'cloud-sql-instance': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const project = values.project;
  const instance = values['cloud-sql-instance'];
  if (!project) throw new Error('--project is required');
  if (!instance || !INSTANCE_CONNECTION_NAME.test(instance)) throw new Error('--cloud-sql-instance must be project:region:instance');
  const resources = defaultResources(project, values.bucket);
  const sql = await openSqlPool(
    {
      kind: 'cloud-sql',
      instanceConnectionName: instance,
      ipType: 'PUBLIC',
      iamAuth: false,
      secretsProject: project,
      userSecret: DEFAULT_USER_SECRET,
      passwordSecret: DEFAULT_PASSWORD_SECRET,
      database: '', // not bound: provisioning creates the database
      limits: { size: 1, connectTimeoutMs: 30_000, acquireTimeoutMs: 60_000 },
    },
    { secrets: () => new CachedSecrets(new SecretManagerSecrets(project)) },
  );
  try {
    await provisionAll(
      { bigtable: createBigtableClient({ projectId: project }), pubsub: new PubSub({ projectId: project }), storage: new Storage({ projectId: project }), sqlPool: sql.pool },
      resources,
      { pubsub: { withReplicateSubscription: false }, bucket: { location: values.region } },
    );
    log.info({ project, bigtable: resources.bigtable.instance, bucket: resources.storage.bucket }, 'provisioned');
  } finally {
    await sql.close();
  }
}

main().catch((error: unknown) => {
  log.error({ err: error }, `provisioning failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
