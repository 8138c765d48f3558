import {join} from 'node:path';
import type {StartContext, RestatedDay} from '../context';
import type {Phase} from '../phase';
import {runToEnd} from '../run-to-end';

/**
 * The daily summary job from its bundle (dist/job, what the image runs), once for the simulated
 * days (`--from/--to`, as a backfill run of the job would): a CSV per day in the bucket.
 */
export const dailyJobPhase: Phase = {
  name: 'daily-job',
  unit: 'days',
  async run(context, progress) {
    progress.total(context.days.length);
    await runDailyJob(context, 'daily-job');
    return {items: context.days.length, unit: 'days'};
  },
};

/**
 * The job run again after `--late` (the same range; a day whose change token moved since its
 * summary is restated): the restated days, from the job's own log lines, go to the report.
 */
export const restatePhase: Phase = {
  name: 'restate',
  unit: 'days',
  async run(context, progress) {
    progress.total(context.days.length);
    const restated = restatedDays(await runDailyJob(context, 'restate'));
    context.late!.restated = restated;
    return {
      items: context.days.length,
      unit: 'days',
      detail: `${restated.length} restated: ${restated.map(r => `${r.day} ${r.oldTotals.transactions} -> ${r.newTotals.transactions}`).join(', ')}`,
    };
  },
};

/** The job to its end, logging to `<platform dir>/<name>.log`; returns that log. */
function runDailyJob(context: StartContext, name: string): Promise<string> {
  const first = context.days[0]!;
  const last = context.days[context.days.length - 1]!;
  return runToEnd(
    name,
    process.execPath,
    [
      join(context.root, 'dist', 'job', 'index.js'),
      '--from',
      first,
      '--to',
      last,
    ],
    {
      dir: context.platform!.dir,
      env: {...process.env, ...context.env},
    },
  );
}

/** The job's `restated` log lines (one JSON object a line): day, old and new totals. */
export function restatedDays(log: string): RestatedDay[] {
  const days: RestatedDay[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (entry.status === 'restated')
      days.push({
        day: entry.day,
        oldTotals: entry.oldTotals,
        newTotals: entry.newTotals,
      } as RestatedDay);
  }
  return days;
}
