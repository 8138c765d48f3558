/**
 * Last-resort cleanup when the Node process ends without calling Platform.stop(): on normal exit
 * (including after an uncaught exception) every live service group is SIGKILLed synchronously;
 * on SIGINT/SIGTERM/SIGHUP the platforms are stopped properly, then the process exits with the
 * signal's conventional code. (A SIGKILLed parent is covered by the services' pdeathsig.)
 */
import {rmSync} from 'node:fs';
import {liveServices, signalGroup} from './service-process';

type Stoppable = {stop(): Promise<void>; dir: string; ownsDir: boolean};

// Not exit-hook: on a signal it runs the synchronous hooks (our SIGKILL) before the async stop, and has no SIGHUP.
const running = new Set<Stoppable>();
let installed = false;

const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', () => {
    for (const service of liveServices) signalGroup(service.pid, 'SIGKILL');
    for (const platform of running) {
      if (platform.ownsDir)
        rmSync(platform.dir, {recursive: true, force: true});
    }
  });
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES) as [
    NodeJS.Signals,
    number,
  ][]) {
    process.once(signal, () => {
      void Promise.allSettled([...running].map(p => p.stop())).finally(() =>
        process.exit(code),
      );
    });
  }
}

export function registerRunning(platform: Stoppable): void {
  install();
  running.add(platform);
}

export function unregisterRunning(platform: Stoppable): void {
  running.delete(platform);
}
