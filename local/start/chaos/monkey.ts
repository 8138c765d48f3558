import {signalGroup} from '../../service-process';
import type {FunctionName} from '../../served-function';
import type {InjectedFault, StartContext} from '../context';

/** The functions a kill may hit: every one the run serves. */
const KILLED: readonly FunctionName[] = [
  'httpGenerate',
  'pubsubReplicate',
  'bigtableToAvro',
];

export interface MonkeyPlan {
  /** Function processes to SIGKILL, one at a time. */
  kills: number;
  /** Milliseconds between faults: [min, max]. */
  gapMs: [number, number];
  random?: () => number;
}

/**
 * SIGKILLs function processes at random moments (the supervisor starts a new instance, as Cloud
 * Run would) and restarts MariaDB once, until stopped. Each fault goes to `context.faults`.
 */
export function startMonkey(
  context: StartContext,
  record: (fault: Omit<InjectedFault, 'at'>) => void,
  plan: MonkeyPlan,
): {finish(): Promise<void>; stop(): Promise<void>} {
  const random = plan.random ?? Math.random;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pending: Promise<void> = Promise.resolve();
  const faults: Array<() => Promise<void>> = [];
  for (let i = 0; i < plan.kills; i++) {
    faults.push(async () => {
      const start = Math.floor(random() * KILLED.length);
      const order = KILLED.map((_, i) => KILLED[(start + i) % KILLED.length]!);
      // An instance that is still restarting from the last kill is passed over for the next one.
      for (;;) {
        for (const name of order) {
          const served = context.functions[name];
          if (!served || served.process.hasExited()) continue;
          signalGroup(served.process.pid, 'SIGKILL');
          record({
            kind: 'function-killed',
            detail: `${name} pid ${served.process.pid} SIGKILLed`,
          });
          return;
        }
        await new Promise(resolve => setTimeout(resolve, 200));
      }
    });
  }
  // The database restart comes first or second, so a short run gets it too.
  faults.splice(Math.floor(random() * 2), 0, async () => {
    const began = Date.now();
    await context.platform!.restart('mariadb');
    record({
      kind: 'mariadb-restarted',
      detail: `MariaDB stopped and started again on the same data, answering after ${Date.now() - began} ms`,
    });
  });
  const next = () => {
    if (stopped || faults.length === 0) return;
    const [min, max] = plan.gapMs;
    timer = setTimeout(
      () => {
        const fault = faults.shift()!;
        pending = fault()
          .catch((error: unknown) =>
            record({
              kind: 'function-killed',
              detail: `fault failed: ${(error as Error).message}`,
            }),
          )
          .then(next);
      },
      min + random() * (max - min),
    );
  };
  next();
  return {
    /** Resolves once every planned fault has been injected (at its random moment). */
    finish: async () => {
      while (!stopped && faults.length > 0)
        await new Promise(resolve => setTimeout(resolve, 100));
      await pending;
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await pending;
    },
  };
}
