/**
 * Python's Beam job services (local for `universal`, Dataflow for `dataflow`), from the pinned Python
 * apache-beam, on a free loopback port and owned by this process: stopped by stop(), on exit, and on
 * SIGINT/SIGTERM. (Beam's own runners start them too, but leave them running when the caller exits.)
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import * as path from 'node:path';
import exitHook from 'exit-hook';
import pWaitFor from 'p-wait-for';
import {toolCacheDir} from '../core/cache-dir';
import {freePorts, isPortOpen} from '../core/free-ports';

export class JobServiceError extends Error {
  readonly code = 'FLEX_JOB_SERVICE';
}

/**
 * Beam's local job service (a module), or ours for Dataflow (launcher/dataflow_job_service.py:
 * Beam's, plus the template_location contract and int options).
 */
export type JobServiceModule =
  'apache_beam.runners.portability.local_job_service_main' | 'dataflow';

const DATAFLOW_JOB_SERVICE = path.join(
  __dirname,
  'launcher',
  'dataflow_job_service.py',
);

/** The Python with apache-beam: FLEX_BEAM_PYTHON (the launcher image sets it), else the pinned venv. */
export function beamPython(env: NodeJS.ProcessEnv): string {
  if (env.FLEX_BEAM_PYTHON) return env.FLEX_BEAM_PYTHON;
  const venv =
    env.BEAM_PYTHON_VENV ?? path.join(toolCacheDir(env), 'beam-venv');
  const python = path.join(venv, 'bin', 'python');
  if (existsSync(python)) return python;
  throw new JobServiceError(
    `no Python apache-beam: set FLEX_BEAM_PYTHON or run \`bash scripts/setup-beam-python.sh\` (looked in ${venv})`,
  );
}

export interface JobService {
  endpoint: string;
  stop(): void;
}

export async function startJobService(
  module: JobServiceModule,
  env: NodeJS.ProcessEnv,
  options: {quiet?: boolean} = {},
): Promise<JobService> {
  const [port] = (await freePorts(1)) as [number];
  const target =
    module === 'dataflow' ? [DATAFLOW_JOB_SERVICE] : ['-m', module];
  const child = spawn(
    beamPython(env),
    ['-u', ...target, '--port', String(port)],
    {
      stdio: [
        'ignore',
        options.quiet ? 'ignore' : 'inherit',
        options.quiet ? 'pipe' : 'inherit',
      ],
      env,
    },
  );
  let log = '';
  child.stderr?.on(
    'data',
    (d: Buffer) => (log = (log + d.toString()).slice(-20_000)),
  );
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null)
      child.kill('SIGKILL');
  };
  // On exit, and on SIGINT/SIGTERM (then exiting 130/143).
  const removeHook = exitHook(kill);
  function stop(): void {
    removeHook();
    kill();
  }
  const notListening = () =>
    new JobServiceError(
      `${module} did not start listening on 127.0.0.1:${port}${log ? `:\n${log}` : ''}`,
    );
  try {
    await pWaitFor(
      async () => {
        if (child.exitCode !== null) throw notListening();
        return isPortOpen(port);
      },
      {
        interval: 200,
        timeout: {
          milliseconds: 60_000,
          fallback: () => Promise.reject(notListening()),
        },
      },
    );
  } catch (error) {
    stop();
    throw error;
  }
  return {endpoint: `127.0.0.1:${port}`, stop};
}
