import {
  addDays,
  type Day,
  dayOf,
  daysBetween,
  daysSpanned,
  endOfDay,
  epochDayOf,
} from '../day';

/**
 * Which days a run of the daily job looks at, and what it does with each.
 *
 * Candidate days come from the calendar, never from the table: the job cannot list the days that
 * hold rows without scanning it, and it needs no such list. `recent` looks back from yesterday
 * (by the clock) over a bounded window; `range` is an explicit backfill. Each candidate is then
 * - already written: a summary file exists and covers every change recorded for the day;
 * - to restate: a summary exists, but a generation added rows to the day after it (see
 *   core/day-changes.ts), and the watermark has passed the day's end again;
 * - empty: no generation ever added rows to the day (recent scope only): nothing is written, so a
 *   later backfill of the day is summarized like any new day;
 * - held back: the replication watermark has not passed the day's end, so rows may still be on
 *   their way (a late day is never summarized short);
 * - to summarize: complete and not yet written. Only these days' and the restated days' rows are read.
 */
export type DayScope =
  | {
      kind: 'recent';
      /** Days before it are never candidates (the pipeline's first day of data). */
      firstDay?: Day;
      /** How many days back from yesterday are candidates. */
      lookbackDays: number;
    }
  | {kind: 'range'; from: Day; to: Day};

/** A share of the days for one task of a Cloud Run job execution (index in 0..count-1). */
export interface TaskShare {
  index: number;
  count: number;
}

export interface PlanInput {
  scope: DayScope;
  /** Everything that occurred before it is in Bigtable; undefined if replication never reported one. */
  watermark: Date | undefined;
  now: Date;
  /** Days that already have a summary file. */
  written: ReadonlySet<Day>;
  /** Per day: the latest change token and the one its summary covers (core/day-changes.ts). */
  changes: ReadonlyMap<
    Day,
    {changed: string | undefined; summarized: string | undefined}
  >;
  task: TaskShare;
}

export interface DayPlan {
  /** This task's share of the scope, oldest first. */
  candidates: Day[];
  alreadyWritten: Day[];
  heldBack: Day[];
  toSummarize: Day[];
  toRestate: Day[];
  empty: Day[];
}

export const MAX_DAYS_IN_SCOPE = 3660;

export class PlanError extends Error {
  readonly code = 'SUMMARY_PLAN_INVALID';
}

/** The days of a scope, oldest first (bounded by MAX_DAYS_IN_SCOPE). */
export function daysInScope(scope: DayScope, now: Date): Day[] {
  let first: Day;
  let last: Day;
  if (scope.kind === 'range') {
    [first, last] = [scope.from, scope.to];
    if (first > last)
      throw new PlanError(
        `backfill range is empty: --from ${first} is after --to ${last}`,
      );
  } else {
    last = addDays(dayOf(now), -1);
    first = addDays(last, -(scope.lookbackDays - 1));
    if (scope.firstDay !== undefined && scope.firstDay > first)
      first = scope.firstDay;
    if (first > last) return [];
  }
  const span = daysSpanned(first, last);
  if (span > MAX_DAYS_IN_SCOPE)
    throw new PlanError(
      `${first}..${last} spans ${span} days, more than ${MAX_DAYS_IN_SCOPE}`,
    );
  return daysBetween(first, last);
}

/**
 * Whether a day belongs to a task. Keyed on the day itself (days since 1970), not on its position
 * in a list, so that tasks which saw slightly different sets of written files still split the
 * calendar the same way: no day is left to nobody.
 */
export function isTasksDay(day: Day, task: TaskShare): boolean {
  return epochDayOf(day) % task.count === task.index;
}

export function isComplete(day: Day, watermark: Date | undefined): boolean {
  return (
    watermark !== undefined && watermark.getTime() >= endOfDay(day).getTime()
  );
}

export function planDays(input: PlanInput): DayPlan {
  const {task} = input;
  if (
    !Number.isInteger(task.count) ||
    task.count < 1 ||
    !Number.isInteger(task.index) ||
    task.index < 0 ||
    task.index >= task.count
  ) {
    throw new PlanError(
      `task ${task.index} of ${task.count} is not a valid task share`,
    );
  }
  const plan: DayPlan = {
    candidates: [],
    alreadyWritten: [],
    heldBack: [],
    toSummarize: [],
    toRestate: [],
    empty: [],
  };
  for (const day of daysInScope(input.scope, input.now)) {
    if (!isTasksDay(day, task)) continue;
    plan.candidates.push(day);
    const {changed, summarized} = input.changes.get(day) ?? {
      changed: undefined,
      summarized: undefined,
    };
    if (input.written.has(day)) {
      if (
        changed !== undefined &&
        changed !== summarized &&
        isComplete(day, input.watermark)
      )
        plan.toRestate.push(day);
      else plan.alreadyWritten.push(day);
    } else if (changed === undefined && input.scope.kind === 'recent')
      plan.empty.push(day);
    else if (!isComplete(day, input.watermark)) plan.heldBack.push(day);
    else plan.toSummarize.push(day);
  }
  return plan;
}
