import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {UsageError} from '../../../core/command-line';
import {START_USAGE, parseStartOptions} from '../../../local/start/options';
import {restatedDays} from '../../../local/start/phases/daily-job';
import {lateHours} from '../../../local/start/phases/late';
import {startPhases} from '../../../local/start/phases';

const names = (steps: ReturnType<typeof startPhases>) =>
  steps
    .flatMap(s => (Array.isArray(s) ? s : [s]))
    .map((p: {name: string}) => p.name);

test('--late N: 0 by default, 0..24, documented in --help', () => {
  assert.is(parseStartOptions([]).late, 0);
  assert.is(parseStartOptions(['--late', '24']).late, 24);
  for (const bad of ['25', '-1', '1.5', 'x'])
    assert.throws(
      () => parseStartOptions([`--late=${bad}`]),
      (e: unknown) =>
        e instanceof UsageError &&
        /--late must be an integer in 0\.\.24/.test((e as Error).message),
    );
  assert.match(START_USAGE, /--late N/);
});

test('the late phases run only with --late, after the flex template and before reconcile', () => {
  assert.not.ok(names(startPhases({chaos: false, late: 0})).includes('late'));
  const phases = names(startPhases({chaos: true, late: 2}));
  assert.equal(phases.slice(phases.indexOf('flex-template')), [
    'flex-template',
    'late',
    'late-replicate',
    'late-publish',
    'restate',
    'late-flex-template',
    'reconcile',
  ]);
  assert.ok(
    ['chaos-proxy', 'chaos-start', 'chaos-end'].every(p => phases.includes(p)),
    'the chaos phases stay',
  );
});

test('late hours are distinct and spread over every day', () => {
  assert.equal(
    lateHours(['2026-11-29', '2026-11-30'], 2).map(h => h.toISOString()),
    ['2026-11-29T12:00:00.000Z', '2026-11-30T12:00:00.000Z'],
  );
  const hours = lateHours(['2026-11-30'], 24).map(h => h.toISOString());
  assert.is(new Set(hours).size, 24);
  const three = lateHours(['2026-11-28', '2026-11-29', '2026-11-30'], 3).map(
    h => h.toISOString().slice(0, 10),
  );
  assert.equal(three, ['2026-11-28', '2026-11-29', '2026-11-30']);
});

test("restated days come from the job's restated log lines only", () => {
  const totals = (n: number) => ({
    transactions: n,
    byCurrency: {USD: {count: n, amount: '1.00'}},
  });
  const log = [
    'not json',
    JSON.stringify({severity: 'INFO', day: '2026-11-29', status: 'unchanged'}),
    JSON.stringify({
      severity: 'WARNING',
      day: '2026-11-30',
      status: 'restated',
      oldTotals: totals(2400),
      newTotals: totals(2500),
    }),
  ].join('\n');
  assert.equal(restatedDays(log), [
    {day: '2026-11-30', oldTotals: totals(2400), newTotals: totals(2500)},
  ]);
});

test.run();
