import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {addDays, daysBetween} from '../../../core/day';
import {
  schedulingHorizon,
  slotWindow,
} from '../../../core/replication/watermark-rule';
import {
  daysInScope,
  isComplete,
  MAX_DAYS_IN_SCOPE,
  PlanError,
  planDays,
  type PlanInput,
} from '../../../core/summary/plan';

const NOW = new Date('2026-11-27T01:00:00Z');
/**
 * What the 01:00 run finds: the watermark the replication after the 00:00 run records (40 s later),
 * by the real rule, every scheduled slot up to 23:00 having its batch.
 */
function watermarkAfterMidnightRun(): Date {
  const replicatedAt = new Date('2026-11-27T00:00:40Z');
  const {from, to} = slotWindow(replicatedAt, 2 * 3_600_000);
  const slots = Array.from(
    {length: (to.getTime() - from.getTime()) / 3_600_000},
    (_, i) => new Date(from.getTime() + i * 3_600_000),
  );
  return schedulingHorizon(replicatedAt, 2 * 3_600_000, slots).horizon;
}
const base: PlanInput = {
  scope: {kind: 'recent', lookbackDays: 7},
  watermark: watermarkAfterMidnightRun(),
  now: NOW,
  written: new Set(),
  // Every day of the window had transactions, each summary (if any) covering the day's last change.
  changes: new Map(
    daysBetween('2026-09-01', '2026-11-26').map(day => [
      day,
      {changed: 'c1', summarized: 'c1'},
    ]),
  ),
  task: {index: 0, count: 1},
};

test('at 01:00 yesterday is complete: the watermark the real rule gives after the 00:00 run is midnight', () => {
  assert.equal(base.watermark, new Date('2026-11-27T00:00:00Z'));
  assert.equal(planDays(base).toSummarize.at(-1), '2026-11-26');
});

test('a day is complete once the watermark reaches its end, not a millisecond before', () => {
  assert.ok(isComplete('2026-11-26', new Date('2026-11-27T00:00:00.000Z')));
  assert.not.ok(isComplete('2026-11-26', new Date('2026-11-26T23:59:59.999Z')));
  assert.not.ok(isComplete('2026-11-26', undefined));
});

test('recent scope: the lookback window ends yesterday', () => {
  assert.equal(daysInScope({kind: 'recent', lookbackDays: 3}, NOW), [
    '2026-11-24',
    '2026-11-25',
    '2026-11-26',
  ]);
  assert.equal(daysInScope({kind: 'recent', lookbackDays: 1}, NOW), [
    '2026-11-26',
  ]);
});

test('recent scope: the first day of data cuts the window', () => {
  assert.equal(
    daysInScope(
      {kind: 'recent', lookbackDays: 30, firstDay: '2026-11-25'},
      NOW,
    ),
    ['2026-11-25', '2026-11-26'],
  );
  assert.equal(
    daysInScope(
      {kind: 'recent', lookbackDays: 30, firstDay: '2026-11-27'},
      NOW,
    ),
    [],
  );
});

test('range scope: both ends included; an inverted or huge range is refused', () => {
  assert.equal(
    daysInScope({kind: 'range', from: '2024-02-28', to: '2024-03-01'}, NOW),
    ['2024-02-28', '2024-02-29', '2024-03-01'],
  );
  assert.throws(
    () =>
      daysInScope({kind: 'range', from: '2026-01-02', to: '2026-01-01'}, NOW),
    (e: unknown) => e instanceof PlanError,
  );
  assert.throws(
    () =>
      daysInScope(
        {
          kind: 'range',
          from: '2000-01-01',
          to: addDays('2000-01-01', MAX_DAYS_IN_SCOPE),
        },
        NOW,
      ),
    /spans/,
  );
});

test('each candidate is exactly one of written, held back, to summarize', () => {
  const plan = planDays({
    ...base,
    watermark: new Date('2026-11-25T07:00:00Z'),
    written: new Set(['2026-11-21', '2026-11-25']),
  });
  assert.equal(plan.candidates, daysBetween('2026-11-20', '2026-11-26'));
  assert.equal(plan.alreadyWritten, ['2026-11-21', '2026-11-25']);
  assert.equal(plan.heldBack, ['2026-11-26']);
  assert.equal(plan.toSummarize, [
    '2026-11-20',
    '2026-11-22',
    '2026-11-23',
    '2026-11-24',
  ]);
});

test('a written day stays written even if the watermark went back', () => {
  const plan = planDays({
    ...base,
    watermark: new Date('2026-11-01T00:00:00Z'),
    written: new Set(['2026-11-26']),
  });
  assert.equal(plan.alreadyWritten, ['2026-11-26']);
  assert.equal(plan.toSummarize, []);
  assert.is(plan.heldBack.length, 6);
});

test('tasks split the calendar: every day to exactly one task, whatever each task saw written', () => {
  const count = 4;
  const seen = new Map<string, number>();
  for (let index = 0; index < count; index++) {
    // Each task sees a different set of written files (they list at different moments).
    const written = new Set(index % 2 === 0 ? [] : ['2026-11-22']);
    const plan = planDays({
      ...base,
      scope: {kind: 'recent', lookbackDays: 30},
      written,
      task: {index, count},
    });
    for (const day of plan.candidates) seen.set(day, (seen.get(day) ?? 0) + 1);
  }
  assert.is(seen.size, 30);
  assert.ok([...seen.values()].every(n => n === 1));
});

test('fault 5: a day no generation ever touched is empty in the recent scope (not written), summarized in a backfill range', () => {
  const changes = new Map(base.changes);
  changes.delete('2026-11-24');
  const plan = planDays({...base, changes});
  assert.equal(plan.empty, ['2026-11-24']);
  assert.not.ok(plan.toSummarize.includes('2026-11-24'));
  assert.ok(
    planDays({
      ...base,
      changes,
      scope: {kind: 'range', from: '2026-11-24', to: '2026-11-24'},
    }).toSummarize.includes('2026-11-24'),
  );
});

test('a written day whose change token moved past its summary is restated once complete again', () => {
  const changes = new Map(base.changes);
  changes.set('2026-11-25', {changed: 'c2', summarized: 'c1'});
  changes.set('2026-11-26', {changed: 'c2', summarized: 'c1'});
  const written = new Set(['2026-11-24', '2026-11-25', '2026-11-26']);
  const plan = planDays({
    ...base,
    written,
    changes,
    watermark: new Date('2026-11-26T12:00:00Z'),
  });
  assert.equal(
    plan.toRestate,
    ['2026-11-25'],
    'the 26th waits for the watermark',
  );
  assert.ok(
    plan.alreadyWritten.includes('2026-11-24') &&
      plan.alreadyWritten.includes('2026-11-26'),
  );
  assert.equal(planDays({...base, written, changes}).toRestate, [
    '2026-11-25',
    '2026-11-26',
  ]);
});

test('an invalid task share is refused', () => {
  assert.throws(
    () => planDays({...base, task: {index: 2, count: 2}}),
    /not a valid task share/,
  );
  assert.throws(
    () => planDays({...base, task: {index: 0, count: 0}}),
    /not a valid task share/,
  );
});

test.run();
