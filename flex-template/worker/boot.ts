/**
 * The SDK worker's entry point, in the Beam container contract:
 *
 *   boot --id=ID --provision_endpoint=HOST:PORT --control_endpoint=HOST:PORT [--logging_endpoint=...] [...]
 *
 * Dataflow starts the worker image with these arguments; the portable-runner test starts this same
 * file from a worker pool. Unlike Beam's stock TypeScript boot it installs nothing: the image has
 * the code and its dependencies baked in. It fetches the pipeline options from the provision
 * service, requires the modules the pipeline registered for serialization (our DoFn classes), and
 * runs Beam's worker until the runner closes the control channel.
 */
// apache-beam's modules import each other in cycles: load its index first, as its own worker_main does.
import 'apache-beam';
import { ChannelCredentials } from '@grpc/grpc-js';
import { GrpcTransport } from '@protobuf-ts/grpc-transport';
import { ProvisionServiceClient } from 'apache-beam/proto/beam_provision_api.client';
import { Struct } from 'apache-beam/proto/google/protobuf/struct';
import { createLoggingChannel } from 'apache-beam/worker/logging';
import { Worker } from 'apache-beam/worker/worker';

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
    if (!args[required]) throw new BootError(`missing --${required}=...: the runner starts workers with --id, --provision_endpoint and --control_endpoint`);
  }
  return args;
}

async function pipelineOptions(provisionEndpoint: string, workerId: string): Promise<Record<string, unknown>> {
  const client = new ProvisionServiceClient(
    new GrpcTransport({ host: provisionEndpoint, channelCredentials: ChannelCredentials.createInsecure() }),
  );
  // Runners route provision calls by the worker_id header.
  const { response } = await client.getProvisionInfo({}, { meta: { worker_id: workerId } });
  const options = response.info?.pipelineOptions ? (Struct.toJson(response.info.pipelineOptions) as Record<string, unknown>) : {};
  // Dataflow nests the options one level deeper.
  return (options.options as Record<string, unknown> | undefined) ?? options;
}

export async function boot(argv: readonly string[]): Promise<void> {
  const args = bootArgs(argv);
  const options = await pipelineOptions(args.provision_endpoint!, args.id!);
  const modules = (options['beam:option:registered_node_modules:v1'] ?? options.registered_node_modules ?? []) as string[];
  for (const m of modules) {
    try {
      require(m);
    } catch (err) {
      throw new BootError(`cannot require ${m}, registered by the pipeline for serialization: the worker image must hold the code at the same path (${String(err)})`);
    }
  }
  if (args.logging_endpoint) void createLoggingChannel(args.id!, args.logging_endpoint)();
  console.info(`flex-template worker ${args.id}: ${modules.length} module(s) loaded, connecting to ${args.control_endpoint}`);
  const worker = new Worker(args.id!, { controlUrl: args.control_endpoint! }, options);
  // Beam's Worker.wait() only sleeps, and an unhandled control-stream error kills the process:
  // the worker is done when the runner ends or breaks the control stream.
  await new Promise<void>((resolve) => {
    worker.controlChannel.on('end', () => resolve());
    worker.controlChannel.on('error', (err: Error) => {
      console.warn(`flex-template worker ${args.id}: control stream closed (${err.message})`);
      resolve();
    });
  });
  worker.stop();
}

if (require.main === module) {
  boot(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`flex-template worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
