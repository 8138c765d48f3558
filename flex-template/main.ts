/**
 * Entry point: parse options, build the runner, run the pipeline.
 *
 *   node --import tsx flex-template/main.ts --input=gs://bucket/summaries/ [--dates_suffixes=auto] ...
 *
 * Direct/portable/universal runs wait for the job and exit non-zero if it failed; --runner=dataflow
 * writes the job file to --template_location and exits 0 (the flex-template launcher's contract),
 * or, without one, returns once Dataflow has created the job.
 */
import {randomUUID} from 'node:crypto';
import type * as beam from 'apache-beam';
import {
  OptionsError,
  parseFlexCommand,
  USAGE,
  type FlexOptions,
} from './options';
import {ioThread} from './io-thread';
import type {PipelineConfig} from './pipeline';
import {createLogger} from '../core/log';

// apache-beam (and the pipeline, the runners, the job services, which need it) are required in
// main(), once the I/O thread has started loading the Google clients: the two loads overlap.

const requireBeam = () =>
  require('apache-beam') as typeof import('apache-beam');
/** The direct runner without the rest of Beam's index (pipeline.ts loads only what it uses). */
const requireRunners = () => {
  require('apache-beam/pvalue');
  return require('apache-beam/runners/runner') as typeof import('apache-beam/runners/runner');
};
const requirePipeline = () =>
  require('./pipeline') as typeof import('./pipeline');

const log = createLogger('flex-template');

export function pipelineConfig(
  options: FlexOptions,
  env: NodeJS.ProcessEnv,
  runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`,
): PipelineConfig {
  return {
    io: {
      input: options.input,
      errorsPrefix: options.errorsPrefix,
      bigtable: options.bigtable,
      storageApiEndpoint: env.STORAGE_API_ENDPOINT,
    },
    dates: options.dates,
    thresholds: {low: options.thresholdLow, high: options.thresholdHigh},
    runId,
    // Rows are encoded as they are parsed and handed over as bytes (~5 KB a row): a request in
    // flight or waiting holds ~0.3 MB (bench/README.md, flex-load-memory).
    writeBatchRows: 64,
    readChunkFiles: 64,
    readAheadFiles: options.runner === 'direct' ? 64 : 0,
    leaseTtlMs: 60 * 60_000,
  };
}

/**
 * direct: in process. portable: a job service already running at --job_endpoint. (universal and
 * dataflow start their Python job service in main(); see python-job-service.ts.)
 */
export function runnerFor(options: FlexOptions): beam.Runner {
  if (options.runner === 'direct')
    return requireRunners().createRunner({
      ...options.runnerOptions,
      runner: 'direct',
    });
  if (!options.runnerOptions.jobEndpoint)
    throw new OptionsError(
      'job_endpoint',
      `is required with --runner=${options.runner} here (host:port of a Beam job service)`,
    );
  requireBeam();
  const {PortableRunner} =
    require('apache-beam/runners/portable_runner/runner') as typeof import('apache-beam/runners/portable_runner/runner');
  return new PortableRunner(options.runnerOptions as {jobEndpoint: string});
}

/**
 * The worker image (Node 22, code and dependencies baked in) defaults to FLEX_WORKER_IMAGE, which the
 * launcher image sets; with it nothing is npm-packed or staged (patched runner option skipNpmStaging).
 */
export function dataflowRunnerOptions(
  options: FlexOptions,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const image = options.runnerOptions.sdkContainerImage;
  const sdkContainerImage =
    typeof image === 'string' ? image : env.FLEX_WORKER_IMAGE;
  if (!sdkContainerImage) {
    throw new OptionsError(
      'sdk_container_image',
      'is required with --runner=dataflow (or FLEX_WORKER_IMAGE): the worker image built from flex-template/Dockerfile.worker',
    );
  }
  if (!/@sha256:[0-9a-f]{64}$/.test(sdkContainerImage)) {
    throw new OptionsError(
      'sdk_container_image',
      `${JSON.stringify(sdkContainerImage)} is not pinned by digest: want IMAGE@sha256:<64 hex>, as pushed (gcloud artifacts docker images describe IMAGE:TAG --format='value(image_summary.fully_qualified_digest)')`,
    );
  }
  // Beam's own dataflow runner adds use_sibling_sdk_workers too (the container runs one SDK
  // worker per id it is given: worker/boot.ts); the user's experiments stay.
  const given = options.runnerOptions.experiments;
  const experiments = [
    ...new Set([
      ...(Array.isArray(given) ? given : []),
      'use_sibling_sdk_workers',
    ]),
  ];
  return {
    ...options.runnerOptions,
    sdkContainerImage,
    skipNpmStaging: true,
    experiments,
  };
}

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  let options: FlexOptions;
  let config: PipelineConfig;
  let dataflowOptions: Record<string, unknown> | undefined;
  try {
    const command = parseFlexCommand(argv, env);
    if (command.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    options = command.options;
    config = pipelineConfig(options, env);
    // The DoFns run in this process (direct; portable and universal with LOOPBACK workers): the
    // thread loads the clients and connects to Bigtable while this thread loads Beam.
    if (options.runner !== 'dataflow') ioThread().send('warmUp', config.io);
    if (options.runner === 'dataflow')
      dataflowOptions = dataflowRunnerOptions(options, env);
    else if (options.runner !== 'universal') runnerFor(options);
  } catch (err) {
    if (err instanceof OptionsError) {
      log.error({code: err.code, option: err.option}, err.message);
      return 2;
    }
    throw err;
  }
  const pipeline = requirePipeline().summaryLoadPipeline(config);
  if (dataflowOptions) {
    const {submitToDataflow} =
      require('./dataflow-submit') as typeof import('./dataflow-submit');
    const submitted = await submitToDataflow(pipeline, dataflowOptions, env);
    if (submitted.kind === 'template')
      log.info(
        {templateLocation: submitted.templateLocation},
        `job file written to ${submitted.templateLocation}; Dataflow creates the job from it`,
      );
    else
      log.info(
        {dataflowJobId: submitted.dataflowJobId},
        `Dataflow job ${submitted.dataflowJobId} created; not waiting for it`,
      );
    return 0;
  }
  // universal: Python's local job service (pinned), workers in this process unless told otherwise.
  const {startJobService} =
    require('./python-job-service') as typeof import('./python-job-service');
  const service =
    options.runner === 'universal'
      ? await startJobService(
          'apache_beam.runners.portability.local_job_service_main',
          env,
        )
      : undefined;
  try {
    const runnerOptions = service
      ? {
          ...options,
          runner: 'portable' as const,
          runnerOptions: {
            environmentType: 'LOOPBACK',
            ...options.runnerOptions,
            jobEndpoint: service.endpoint,
          },
        }
      : options;
    const result = await runnerFor(runnerOptions).run(pipeline);
    const counters = await result.counters();
    log.info({counters}, `done ${JSON.stringify(counters)}`);
    return 0;
  } finally {
    service?.stop();
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    code => process.exit(code),
    (err: unknown) => {
      log.error(
        {err, code: (err as {code?: unknown}).code},
        `failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      process.exit(1);
    },
  );
}
