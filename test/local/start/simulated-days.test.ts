import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {endOfDay} from '../../../core/day';
import {hoursOf, simulatedDays} from '../../../local/start/simulated-days';
import {
  schedulingHorizon,
  DEFAULT_WATERMARK_RULE,
} from '../../../core/replication/watermark-rule';

test('from 02:00 UTC on, the days end yesterday', () => {
  assert.equal(simulatedDays(3, new Date('2026-12-01T02:00:00Z')), [
    '2026-11-28',
    '2026-11-29',
    '2026-11-30',
  ]);
  assert.equal(simulatedDays(1, new Date('2026-12-01T23:59:59Z')), [
    '2026-11-30',
  ]);
});

test('between 00:00 and 02:00 UTC the watermark cannot pass yesterday yet: the days end the day before', () => {
  assert.equal(simulatedDays(2, new Date('2026-12-01T00:30:00Z')), [
    '2026-11-28',
    '2026-11-29',
  ]);
  assert.equal(simulatedDays(2, new Date('2026-12-01T01:59:59Z')), [
    '2026-11-28',
    '2026-11-29',
  ]);
});

test('the last day always ends at or before the scheduling horizon', () => {
  for (let minute = 0; minute < 48 * 60; minute += 7) {
    const now = new Date(Date.parse('2026-12-01T00:00:00Z') + minute * 60_000);
    const days = simulatedDays(1, now);
    const {horizon} = schedulingHorizon(
      now,
      DEFAULT_WATERMARK_RULE.missedSlotMs,
      [],
    );
    assert.ok(
      endOfDay(days[0]!) <= horizon,
      `${now.toISOString()}: ${days[0]} ends after ${horizon.toISOString()}`,
    );
    assert.ok(
      endOfDay(days[0]!).getTime() > horizon.getTime() - 86_400_000,
      `${now.toISOString()}: ${days[0]} is not the latest day`,
    );
  }
});

test('hoursOf: 24 hours a day, on the hour, in order', () => {
  const hours = hoursOf(['2026-11-29', '2026-11-30']);
  assert.is(hours.length, 48);
  assert.is(hours[0]!.toISOString(), '2026-11-29T00:00:00.000Z');
  assert.is(hours[47]!.toISOString(), '2026-11-30T23:00:00.000Z');
});

test.run();
