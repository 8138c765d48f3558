/**
 * One emulator or server process of the local platform.
 *
 * Each runs in its own process group (so a wrapper script and what it starts die together) and,
 * on Linux, under `setpriv --pdeathsig SIGKILL`: the kernel kills it the moment this Node process
 * dies, even by SIGKILL, so nothing is orphaned whatever happens to the parent.
 * Output goes to a log file in the platform's directory, not to a pipe the parent must drain.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {closeSync, openSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {which} from './prerequisites';

const setpriv = process.platform === 'linux' ? which('setpriv') : undefined;

/** Every service process of this Node process that has not exited yet, whatever platform it belongs to. */
export const liveServices = new Set<ServiceProcess>();

export interface ServiceProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  hasExited(): boolean;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): string;
}

export function spawnService(
  name: string,
  command: string,
  args: string[],
  options: {dir: string; env?: NodeJS.ProcessEnv},
): ServiceProcess {
  const logFile = join(options.dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const [file, argv] = setpriv
    ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', command, ...args]]
    : [command, args];
  const child = spawn(file, argv, {
    cwd: options.dir,
    env: options.env ?? process.env,
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  // The platform must not keep the parent alive: the exit hook stops it when the parent ends.
  child.unref();
  let done = false;
  const exited = new Promise<number | string>(resolve => {
    child.once('exit', (code, signal) => {
      done = true;
      liveServices.delete(service);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', error => {
      done = true;
      liveServices.delete(service);
      resolve(error.message);
    });
  });
  if (child.pid === undefined)
    throw new Error(`${name}: could not start ${command}`);
  const service: ServiceProcess = {
    name,
    pid: child.pid,
    logFile,
    child,
    exited,
    hasExited: () => done,
    logTail: (lines = 20) => {
      try {
        return readFileSync(logFile, 'utf8')
          .trimEnd()
          .split('\n')
          .slice(-lines)
          .join('\n');
      } catch {
        return '';
      }
    },
  };
  liveServices.add(service);
  return service;
}

/** Signal the whole process group; a group already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has been reaped. */
export async function stopService(
  service: ServiceProcess,
  graceMs = 3000,
): Promise<void> {
  if (!service.hasExited()) {
    signalGroup(service.pid, 'SIGTERM');
    const timer = setTimeout(
      () => signalGroup(service.pid, 'SIGKILL'),
      graceMs,
    );
    await service.exited;
    clearTimeout(timer);
  }
  // Anything else left in its group (there should be nothing) goes too.
  signalGroup(service.pid, 'SIGKILL');
}
