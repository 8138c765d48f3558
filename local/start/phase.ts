/**
 * `npm start` is a list of phases run in order. A part joins the run by adding its phase to the
 * list (local/start/phases.ts): each phase reports what it processed, so the report can give its
 * time and rate.
 */
import type {StartContext} from './context';

export interface PhaseProgress {
  /** How many items the phase will process (shown as a bar); unknown otherwise. */
  total(count: number): void;
  /** `count` more items done. */
  advance(count?: number): void;
}

export interface PhaseOutcome {
  /** Items processed, in `unit` (e.g. 72000 transactions); absent for set-up phases. */
  items?: number;
  unit?: string;
  /** One line of detail for the report. */
  detail?: string;
}

export interface Phase {
  name: string;
  /** The unit its progress counts in (bars show it). */
  unit?: string;
  run(
    context: StartContext,
    progress: PhaseProgress,
  ): Promise<PhaseOutcome | void>;
}

export interface PhaseTiming {
  name: string;
  ms: number;
  items: number | undefined;
  unit: string | undefined;
  /** Items per second, when the phase counts items. */
  rate: number | undefined;
  detail: string | undefined;
}

export interface ProgressDisplay {
  start(phase: Phase): PhaseProgress;
  finish(phase: Phase, timing: PhaseTiming): void;
  stop(): void;
}

/** One step of the run: a phase, or phases that need nothing of each other and run at once. */
export type Step = Phase | readonly Phase[];

/** Runs the steps in order; the first failure stops the run (its error names the phase). */
export async function runPhases(
  steps: readonly Step[],
  context: StartContext,
  display: ProgressDisplay,
): Promise<PhaseTiming[]> {
  const timings: PhaseTiming[] = [];
  const order = steps
    .flatMap(step => (Array.isArray(step) ? step : [step as Phase]))
    .map(p => p.name);
  const runOne = async (phase: Phase) => {
    const began = performance.now();
    const progress = display.start(phase);
    let outcome: PhaseOutcome | void;
    try {
      outcome = await phase.run(context, progress);
    } catch (error) {
      throw new PhaseError(phase.name, error);
    }
    const ms = Math.round(performance.now() - began);
    const items = outcome?.items;
    const timing: PhaseTiming = {
      name: phase.name,
      ms,
      items,
      unit: outcome?.unit ?? phase.unit,
      rate:
        items !== undefined && ms > 0
          ? roundRate((items * 1000) / ms)
          : undefined,
      detail: outcome?.detail,
    };
    timings.push(timing);
    display.finish(phase, timing);
  };
  try {
    for (const step of steps) {
      const group: readonly Phase[] = Array.isArray(step)
        ? step
        : [step as Phase];
      const settled = await Promise.allSettled(group.map(runOne));
      const failed = settled.find(
        (s): s is PromiseRejectedResult => s.status === 'rejected',
      );
      if (failed) throw failed.reason;
    }
  } finally {
    display.stop();
  }
  return timings.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

/** Whole items per second, or two decimals below 10 (a few days in seconds). */
function roundRate(perSecond: number): number {
  return perSecond >= 10
    ? Math.round(perSecond)
    : Math.round(perSecond * 100) / 100;
}

export class PhaseError extends Error {
  readonly code = 'START_PHASE_FAILED';
  constructor(
    readonly phase: string,
    cause: unknown,
  ) {
    super(`${phase}: ${(cause as Error)?.message ?? String(cause)}`, {cause});
  }
}
