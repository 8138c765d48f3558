/**
 * The SDK worker's entry point, in the Beam container contract:
 *
 *   boot --id=ID --provision_endpoint=HOST:PORT --control_endpoint=HOST:PORT [--logging_endpoint=...] [...]
 *
 * Dataflow starts the worker image with these arguments (the image's entrypoint is
 * /opt/apache/beam/boot, a two-line script that runs this file, as Google's custom-container
 * page requires); the portable-runner test starts this same file from a worker pool. Unlike
 * Beam's stock TypeScript boot it installs nothing: the image has the code and its dependencies
 * baked in. It fetches the pipeline options from the provision service, requires the modules the
 * pipeline registered for serialization (our DoFn classes), and runs Beam's worker until the
 * runner closes the control channel.
 *
 * Sibling workers: with use_sibling_sdk_workers the runner gives one container several worker
 * ids (one per vCPU), in the provision info's sibling_worker_ids. Node runs one thread, so each
 * sibling gets a process of its own (this file again, with its id and FLEX_SIBLING_WORKER=1, so
 * it starts no siblings itself); the container ends when every worker has.
 */
import {spawn} from 'node:child_process';
// apache-beam's modules import each other in cycles: load its index first, as its own worker_main does.
import 'apache-beam';
import {ChannelCredentials} from '@grpc/grpc-js';
import {GrpcTransport} from '@protobuf-ts/grpc-transport';
import {ProvisionServiceClient} from 'apache-beam/proto/beam_provision_api.client';
import {Struct} from 'apache-beam/proto/google/protobuf/struct';
import {createLoggingChannel} from 'apache-beam/worker/logging';
import {Worker} from 'apache-beam/worker/worker';
import {createLogger} from '../../core/log';

const log = createLogger('flex-template-worker');

export class BootError extends Error {
  readonly code = 'FLEX_WORKER_BOOT';
}

export function bootArgs(argv: readonly string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (const arg of argv) {
    const m = /^--([a-z_]+)=(.*)$/.exec(arg);
    if (m) args[m[1]!] = m[2]!;
  }
  for (const required of ['id', 'provision_endpoint', 'control_endpoint']) {
    if (!args[required])
      throw new BootError(
        `missing --${required}=...: the runner starts workers with --id, --provision_endpoint and --control_endpoint`,
      );
  }
  return args;
}

async function provisionInfo(
  provisionEndpoint: string,
  workerId: string,
): Promise<{options: Record<string, unknown>; siblingWorkerIds: string[]}> {
  const client = new ProvisionServiceClient(
    new GrpcTransport({
      host: provisionEndpoint,
      channelCredentials: ChannelCredentials.createInsecure(),
    }),
  );
  // Runners route provision calls by the worker_id header.
  const {response} = await client.getProvisionInfo(
    {},
    {meta: {worker_id: workerId}},
  );
  const options = response.info?.pipelineOptions
    ? (Struct.toJson(response.info.pipelineOptions) as Record<string, unknown>)
    : {};
  // Dataflow nests the options one level deeper.
  return {
    options:
      (options.options as Record<string, unknown> | undefined) ?? options,
    siblingWorkerIds: response.info?.siblingWorkerIds ?? [],
  };
}

/** Starts a sibling worker process: this file with the same arguments but the sibling's id. */
function startSibling(argv: readonly string[], id: string): Promise<number> {
  const args = [...argv.filter(a => !a.startsWith('--id=')), `--id=${id}`];
  const child = spawn(
    process.execPath,
    [...process.execArgv, __filename, ...args],
    {
      stdio: 'inherit',
      env: {...process.env, FLEX_SIBLING_WORKER: '1'},
    },
  );
  return new Promise(resolve => child.on('exit', code => resolve(code ?? 1)));
}

export async function boot(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const args = bootArgs(argv);
  const {options, siblingWorkerIds} = await provisionInfo(
    args.provision_endpoint!,
    args.id!,
  );
  const siblings =
    env.FLEX_SIBLING_WORKER === '1'
      ? []
      : siblingWorkerIds
          .filter(id => id !== args.id)
          .map(id => startSibling(argv, id));
  const modules = (options['beam:option:registered_node_modules:v1'] ??
    options.registered_node_modules ??
    []) as string[];
  for (const m of modules) {
    try {
      require(m);
    } catch (err) {
      throw new BootError(
        `cannot require ${m}, registered by the pipeline for serialization: the worker image must hold the code at the same path (${String(err)})`,
      );
    }
  }
  if (args.logging_endpoint)
    void createLoggingChannel(args.id!, args.logging_endpoint)();
  log.info(
    {workerId: args.id, modules: modules.length, siblings: siblings.length},
    `worker ${args.id}: ${modules.length} module(s) loaded, ${siblings.length} sibling worker(s) started, connecting to ${args.control_endpoint}`,
  );
  const worker = new Worker(
    args.id!,
    {controlUrl: args.control_endpoint!},
    options,
  );
  // Beam's Worker.wait() only sleeps, and an unhandled control-stream error kills the process:
  // the worker is done when the runner ends or breaks the control stream.
  await new Promise<void>(resolve => {
    worker.controlChannel.on('end', () => resolve());
    worker.controlChannel.on('error', (err: Error) => {
      log.warn(
        {workerId: args.id},
        `worker ${args.id}: control stream closed (${err.message})`,
      );
      resolve();
    });
  });
  worker.stop();
  const failed = (await Promise.all(siblings)).filter(
    code => code !== 0,
  ).length;
  if (failed > 0)
    throw new BootError(
      `${failed} of ${siblings.length} sibling worker(s) exited with an error`,
    );
}

if (require.main === module) {
  boot(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      log.error(
        {err},
        `worker failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      process.exit(1);
    },
  );
}
