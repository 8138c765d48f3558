import { join } from 'node:path';
import type { Phase } from '../phase';
import { runToEnd } from '../run-to-end';

/**
 * The daily summary job from its bundle (dist/job, what the image runs), once for the simulated
 * days (`--from/--to`, as a backfill run of the job would): a CSV per day in the bucket.
 */
export const dailyJobPhase: Phase = {
  name: 'daily-job',
  unit: 'days',
  async run(context, progress) {
    progress.total(context.days.length);
    const first = context.days[0]!;
    const last = context.days[context.days.length - 1]!;
    await runToEnd('daily-job', process.execPath, [join(context.root, 'dist', 'job', 'index.js'), '--from', first, '--to', last], {
      dir: context.platform!.dir,
      env: { ...process.env, ...context.env },
    });
    return { items: context.days.length, unit: 'days' };
  },
};
