import {MultiBar, Presets} from 'cli-progress';
import type {Phase, PhaseProgress, PhaseTiming, ProgressDisplay} from './phase';

const SILENT: PhaseProgress = {
  total: () => undefined,
  advance: () => undefined,
};

/** Nothing at all: what a run shows when stderr is not a terminal. */
export const quietDisplay: ProgressDisplay = {
  start: () => SILENT,
  finish: () => undefined,
  stop: () => undefined,
};

/**
 * A bar per phase on stderr (cli-progress): items done of the total, rate and elapsed time; a phase
 * without a count shows its elapsed time only, and every bar stays on screen once its phase ends.
 */
export function terminalDisplay(
  stream: NodeJS.WriteStream = process.stderr,
): ProgressDisplay {
  const bars = new MultiBar(
    {
      stream,
      format: ' {phase} {bar} {value}/{total} {unit} | {rate} | {elapsed}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 5,
      etaBuffer: 50,
      autopadding: true,
    },
    Presets.shades_classic,
  );
  const live = new Map<
    string,
    {bar: ReturnType<MultiBar['create']>; began: number; timer: NodeJS.Timeout}
  >();
  const elapsed = (began: number) =>
    `${((performance.now() - began) / 1000).toFixed(1)} s`;
  return {
    start(phase: Phase) {
      const began = performance.now();
      const bar = bars.create(1, 0, {
        phase: phase.name.padEnd(14),
        unit: phase.unit ?? '',
        rate: '',
        elapsed: '0.0 s',
      });
      let value = 0;
      const refresh = () => {
        const seconds = (performance.now() - began) / 1000;
        bar.update(value, {
          elapsed: elapsed(began),
          rate:
            seconds > 0 && value > 0
              ? `${Math.round(value / seconds).toLocaleString('en-US')}/s`
              : '',
        });
      };
      const timer = setInterval(refresh, 200);
      live.set(phase.name, {bar, began, timer});
      return {
        total: count => bar.setTotal(count),
        advance: (count = 1) => {
          value += count;
          refresh();
        },
      };
    },
    finish(phase: Phase, timing: PhaseTiming) {
      const entry = live.get(phase.name);
      if (!entry) return;
      clearInterval(entry.timer);
      const total = timing.items ?? 1;
      entry.bar.setTotal(total);
      entry.bar.update(total, {
        elapsed: `${(timing.ms / 1000).toFixed(1)} s`,
        rate:
          timing.rate === undefined
            ? ''
            : `${timing.rate.toLocaleString('en-US')}/s`,
        unit: timing.unit ?? '',
      });
      live.delete(phase.name);
    },
    stop() {
      for (const entry of live.values()) clearInterval(entry.timer);
      bars.stop();
    },
  };
}
