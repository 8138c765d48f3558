/**
 * The change-log archiver, a Cloud Run Job run every few minutes: drains the `txn-changes`
 * subscription into the archive, then exits. Exit codes: 0 drained (or budget spent), 1 a batch
 * could not be stored (it stays unacknowledged and comes back), 2 bad flags or environment.
 */
import {PubSub} from '@google-cloud/pubsub';
import {type ArchiveDeps, archiveChanges} from '../core/changelog/archive';
import {parseFlags, UsageError} from '../core/command-line';
import {ConfigError} from '../core/config';
import {createLogger} from '../core/log';
import {streamedBatchSubscriber} from '../core/pubsub/streamed-batch';
import {openObjectStore, storageClient} from '../core/storage/open';
import {
  type ArchiverConfig,
  defaultSubscription,
  readArchiverConfig,
} from './config';

/** Runs one drain; `afterObjectWritten` is for tests that crash the archiver mid-batch. */
export async function run(
  config: ArchiverConfig,
  afterObjectWritten?: ArchiveDeps['afterObjectWritten'],
): Promise<number> {
  const log = createLogger('changelog-archiver');
  const project = config.project ? {projectId: config.project} : {};
  const pubsub = new PubSub(project);
  const storage = storageClient(config.project, config.storageApiEndpoint);
  const subscriber = await streamedBatchSubscriber(
    pubsub,
    config.subscription,
    {
      streams: config.streams,
      // Room for every batch in flight and the next round of them.
      maxOutstanding: 2 * config.batchSize * config.concurrency,
      ackDeadlineSeconds: config.ackDeadlineSeconds,
      waitMs: config.waitMs,
    },
  );
  try {
    const report = await archiveChanges(
      {
        subscriber,
        archive: openObjectStore(config.archiveUri, storage),
        deadLetters: openObjectStore(config.deadLetterUri, storage),
        log,
        ...(afterObjectWritten ? {afterObjectWritten} : {}),
      },
      {
        batchSize: config.batchSize,
        fillMs: config.fillMs,
        concurrency: config.concurrency,
        budgetMs: config.budgetMs,
        idlePulls: config.idlePulls,
      },
    );
    log.info(
      report,
      `archived ${report.records} change records in ${report.objects} objects; ${report.deadLettered} dead-lettered`,
    );
    return 0;
  } catch (error) {
    log.error(
      {err: error},
      `archiving failed; the batch in progress stays unacknowledged: ${(error as Error).message}`,
    );
    return 1;
  } finally {
    await Promise.allSettled([subscriber.close(), pubsub.close()]);
  }
}

export const USAGE = `Usage: changelog-archiver

Drains the change-log subscription into the archive (one AVRO object per batch), then exits.
It takes no flags but --help; its settings are variables:

  CHANGELOG_URI               the archive: gs://bucket/changelog/ or a directory (required)
  CHANGELOG_DEAD_LETTER_URI   where undecodable messages go (required)
  CHANGELOG_SUBSCRIPTION      the pull subscription (default ${defaultSubscription})
  CHANGELOG_BATCH_SIZE, CHANGELOG_FILL_MS, CHANGELOG_CONCURRENCY, CHANGELOG_BUDGET_MS, CHANGELOG_IDLE_PULLS
  GOOGLE_CLOUD_PROJECT, STORAGE_API_ENDPOINT
`;

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  let config;
  try {
    if (parseFlags(argv, {}).help) {
      process.stdout.write(USAGE);
      return 0;
    }
    config = readArchiverConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof UsageError))
      throw error;
    process.stderr.write(
      `changelog-archiver: ${error.message}\n${error instanceof UsageError ? `\n${USAGE}` : ''}`,
    );
    return 2;
  }
  return run(config);
}

if (require.main === module) {
  // Stopping at any point is safe: nothing is acknowledged before it is stored.
  process.once('SIGTERM', () => process.exit(143));
  void main(process.argv.slice(2), process.env).then(code => {
    process.exitCode = code;
  });
}
