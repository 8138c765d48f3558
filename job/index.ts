/**
 * The daily summary Cloud Run Job: parse flags and environment, build the clients, run the core.
 * Exit codes: 0 done or nothing to do; 1 a day failed or was held back for malformed rows (what was
 * written stays written); 2 bad flags or environment.
 */
import {createBigtableClient} from '../core/bigtable/client';
import {readCommandLine} from '../core/command-line';
import {createLogger} from '../core/log';
import {defaultResources} from '../core/resources';
import {openObjectStore, storageClient} from '../core/storage/open';
import {runDailySummary, verdictOf} from '../core/summary/daily-summary';
import {type JobConfig, parseCommand, USAGE} from './config';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
// 2, a usage or config error, is readCommandLine's.

async function run(config: JobConfig): Promise<number> {
  const log = createLogger('daily-summary');
  const resources = defaultResources(config.project ?? 'local');
  const bigtable = createBigtableClient({
    ...(config.project ? {projectId: config.project} : {}),
    clientMetrics: config.bigtableClientMetrics,
  });
  try {
    const instance = bigtable.instance(config.bigtableInstance);
    const store = openObjectStore(
      config.outputUri,
      storageClient(config.project, config.storageApiEndpoint),
    );
    const report = await runDailySummary(
      {
        txnTable: instance.table(resources.bigtable.txn.id),
        txnSchema: resources.bigtable.txn,
        stateTable: instance.table(resources.bigtable.state.id),
        stateSchema: resources.bigtable.state,
        store,
        log,
      },
      {scope: config.scope, task: config.task, dryRun: config.dryRun},
    );
    const verdict = verdictOf(report);
    if (verdict.ok) log.info(verdict.counts, verdict.message);
    else log.error(verdict.counts, verdict.message);
    return verdict.ok ? EXIT_OK : EXIT_FAILED;
  } catch (error) {
    log.error(
      {err: error},
      `daily summary failed: ${(error as Error).message}`,
    );
    return EXIT_FAILED;
  } finally {
    await bigtable.close().catch(() => undefined);
  }
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const parsed = readCommandLine('daily-summary', USAGE, () =>
    parseCommand(argv, env),
  );
  return typeof parsed === 'number' ? parsed : run(parsed.config);
}

if (require.main === module) {
  // As PID 1 in a container, node has no default SIGTERM action: Cloud Run's stop would wait for
  // SIGKILL. Stopping at any point is safe, since every file is written whole or not at all.
  process.once('SIGTERM', () => {
    process.stderr.write(
      'daily-summary: SIGTERM, stopping; days already written stay written\n',
    );
    process.exit(143);
  });
  main(process.argv.slice(2), process.env).then(
    code => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `daily-summary: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`,
      );
      process.exitCode = EXIT_FAILED;
    },
  );
}
