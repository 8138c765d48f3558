/**
 * Submits the pipeline to Dataflow and returns once Dataflow has created the job: what a flex
 * template launcher must do (submit, then exit, not wait for the job).
 *
 * Beam's own dataflow runner starts Python's Dataflow job service and returns as soon as that
 * service accepted the pipeline; the actual job creation happens afterwards in the service's
 * background thread, so exiting then would kill the service before anything reached Dataflow.
 * Here the job service is ours: we follow its message stream until "Created job with id" (or a
 * failure), then stop it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChannelCredentials } from '@grpc/grpc-js';
import { GrpcTransport } from '@protobuf-ts/grpc-transport';
import type * as beam from 'apache-beam';
import { JobServiceClient } from 'apache-beam/proto/beam_job_api.client';
import { JobState_Enum } from 'apache-beam/proto/beam_job_api';
import { PortableRunner } from 'apache-beam/runners/portable_runner/runner';

export class DataflowSubmitError extends Error {
  readonly code = 'FLEX_DATAFLOW_SUBMIT';
}

/** The Python with apache-beam[gcp]: FLEX_BEAM_PYTHON (the launcher image sets it), else the pinned venv. */
export function beamPython(env: NodeJS.ProcessEnv): string {
  if (env.FLEX_BEAM_PYTHON) return env.FLEX_BEAM_PYTHON;
  const venv = env.BEAM_PYTHON_VENV ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'finserv-pipeline', 'beam-venv');
  const python = path.join(venv, 'bin', 'python');
  if (existsSync(python)) return python;
  throw new DataflowSubmitError(`no Python apache-beam: set FLEX_BEAM_PYTHON or run \`bash scripts/setup-beam-python.sh\` (looked in ${venv})`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: { exitCode: number | null }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (child.exitCode !== null) throw new DataflowSubmitError(`the Dataflow job service exited (${child.exitCode}) before listening`);
    if (Date.now() > deadline) throw new DataflowSubmitError(`the Dataflow job service did not listen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const CREATED = /Created job with id: \[([^\]]+)\]/;

export async function submitToDataflow(
  pipeline: (root: beam.Root) => void,
  runnerOptions: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  timeoutMs = 15 * 60_000,
): Promise<{ dataflowJobId: string }> {
  const port = await freePort();
  const service = spawn(beamPython(env), ['-u', '-m', 'apache_beam.runners.dataflow.dataflow_job_service', '--port', String(port)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  const stopService = () => {
    if (service.exitCode === null) service.kill('SIGTERM');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stopService();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', stopService);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await waitForPort(port, service, 60_000);
    const jobEndpoint = `127.0.0.1:${port}`;
    // Beam's dataflow runner adds this experiment too: Node workers share one container.
    const options = { ...runnerOptions, jobEndpoint, experiments: ['use_sibling_sdk_workers'] };
    const result = await new PortableRunner(options as { jobEndpoint: string }).runAsync(pipeline);
    const portableJobId = (result as unknown as { jobId: string }).jobId;
    const client = new JobServiceClient(new GrpcTransport({ host: jobEndpoint, channelCredentials: ChannelCredentials.createInsecure() }));
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const errors: string[] = [];
    try {
      for await (const message of client.getMessageStream({ jobId: portableJobId }, { abort: abort.signal }).responses) {
        if (message.response.oneofKind === 'messageResponse') {
          const text = message.response.messageResponse.messageText;
          const created = CREATED.exec(text);
          if (created) return { dataflowJobId: created[1]! };
          if (message.response.messageResponse.importance >= 4) errors.push(text);
        } else if (message.response.oneofKind === 'stateResponse') {
          const state = message.response.stateResponse.state;
          if ([JobState_Enum.FAILED, JobState_Enum.CANCELLED, JobState_Enum.DONE].includes(state)) {
            throw new DataflowSubmitError(`the job ended ${JobState_Enum[state]} before Dataflow created it:\n${errors.join('\n')}`);
          }
        }
      }
    } catch (err) {
      if (abort.signal.aborted) throw new DataflowSubmitError(`Dataflow did not create the job within ${timeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    throw new DataflowSubmitError(`the job service closed its message stream before Dataflow created the job:\n${errors.join('\n')}`);
  } finally {
    stopService();
    process.removeListener('exit', stopService);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  }
}
