/**
 * The phases of `npm start`, in order. A part that joins the pipeline (the change-log archiver,
 * late-data restatement) adds its phase here, where its input is ready; phases
 * in one array need nothing of each other and run at the same time.
 */
import type { StartOptions } from './options';
import type { Step } from './phase';
import { chaosEndPhase, chaosProxyPhase, chaosStartPhase } from './phases/chaos';
import { buildPhase } from './phases/build';
import { dailyJobPhase } from './phases/daily-job';
import { flexTemplatePhase } from './phases/flex-template';
import { generatePhase } from './phases/generate';
import { platformPhase } from './phases/platform';
import { provisionPhase } from './phases/provision';
import { publishPhase } from './phases/publish';
import { reconcilePhase } from './phases/reconcile';
import { replicatePhase } from './phases/replicate';
import { servePhase } from './phases/serve';

export const START_PHASES: readonly Step[] = [
  [platformPhase, buildPhase],
  provisionPhase,
  servePhase,
  generatePhase,
  replicatePhase,
  publishPhase,
  dailyJobPhase,
  flexTemplatePhase,
  reconcilePhase,
];

/** The phases of a run: `--chaos` adds the push proxy before `serve` and the faults around replication. */
export function startPhases(options: Pick<StartOptions, 'chaos'>): readonly Step[] {
  if (!options.chaos) return START_PHASES;
  return START_PHASES.flatMap((step): Step[] => {
    if (step === servePhase) return [chaosProxyPhase, servePhase, chaosStartPhase];
    if (step === replicatePhase) return [replicatePhase, chaosEndPhase];
    return [step];
  });
}
