/**
 * The phases of `npm start`, in order. A part that joins the pipeline (the change-log archiver,
 * late-data restatement) adds its phase here, where its input is ready; phases
 * in one array need nothing of each other and run at the same time.
 */
import type {StartOptions} from './options';
import type {Step} from './phase';
import {chaosEndPhase, chaosProxyPhase, chaosStartPhase} from './phases/chaos';
import {buildPhase} from './phases/build';
import {dailyJobPhase, restatePhase} from './phases/daily-job';
import {flexTemplatePhase} from './phases/flex-template';
import {generatePhase} from './phases/generate';
import {latePhase} from './phases/late';
import {platformPhase} from './phases/platform';
import {provisionPhase} from './phases/provision';
import {publishPhase} from './phases/publish';
import {reconcilePhase} from './phases/reconcile';
import {replicatePhase} from './phases/replicate';
import {servePhase} from './phases/serve';

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

/**
 * After `late` backfills its hours, the pipeline runs again from its signals and its schedule: a
 * replication and publication that must reach the watermark again, the daily job (restating the
 * changed days) and the flex template (`auto` reloads a date whose CSV version changed).
 */
export const LATE_PHASES: readonly Step[] = [
  latePhase,
  {...replicatePhase, name: 'late-replicate'},
  {...publishPhase, name: 'late-publish'},
  restatePhase,
  {...flexTemplatePhase, name: 'late-flex-template'},
];

/**
 * The phases of a run: `--chaos` adds the push proxy before `serve` and the faults around
 * replication; `--late N` adds the late phases before `reconcile`.
 */
export function startPhases(
  options: Pick<StartOptions, 'chaos' | 'late'>,
): readonly Step[] {
  return START_PHASES.flatMap((step): Step[] => {
    if (options.chaos && step === servePhase)
      return [chaosProxyPhase, servePhase, chaosStartPhase];
    if (options.chaos && step === replicatePhase)
      return [replicatePhase, chaosEndPhase];
    if (options.late > 0 && step === reconcilePhase)
      return [...LATE_PHASES, reconcilePhase];
    return [step];
  });
}
