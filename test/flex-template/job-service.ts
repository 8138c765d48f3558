/**
 * Python's Beam job service (the pinned venv from scripts/setup-beam-python.sh) on a free loopback
 * port, owned by the test: killed by PID in stop() or when this process exits.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts } from '../../local/free-ports';

export function beamPython(env: NodeJS.ProcessEnv = process.env): string {
  const venv = env.BEAM_PYTHON_VENV ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'finserv-pipeline', 'beam-venv');
  const python = path.join(venv, 'bin', 'python');
  if (!existsSync(python)) throw new Error(`no pinned Python apache-beam at ${venv}: run \`bash scripts/setup-beam-python.sh\``);
  return python;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export async function startJobService(): Promise<{ endpoint: string; stop(): void }> {
  const [port] = await freePorts(1);
  const child = spawn(beamPython(), ['-u', '-m', 'apache_beam.runners.portability.local_job_service_main', '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const kill = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const deadline = Date.now() + 60_000;
  while (!(await portOpen(port!))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`the Beam job service did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { endpoint: `127.0.0.1:${port}`, stop: kill };
}
