import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {isDay} from '../../core/day';

/** What a calendar day is, by the definition isDay replaces: Date's own round trip. */
const byDate = (value: string) => {
  const date = new Date(`${value}T00:00:00.000Z`);
  return (
    !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value
  );
};

test('isDay agrees with Date on every yyyy-mm-dd of leap and common years, days 00-32', () => {
  for (const year of [
    '0000',
    '0004',
    '1900',
    '1999',
    '2000',
    '2023',
    '2024',
    '2100',
    '2400',
    '9999',
  ]) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) {
        const value = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
        assert.is(isDay(value), byDate(value), value);
      }
    }
  }
});

test('isDay refuses what is not yyyy-mm-dd', () => {
  for (const value of [
    '2024-2-01',
    '2024-02-1',
    '24-02-01',
    '2024-02-01 ',
    ' 2024-02-01',
    '2024/02/01',
    '2024-02-01T00:00:00Z',
    '',
    '+02024-02-01',
  ])
    assert.is(isDay(value), false, JSON.stringify(value));
  assert.is(isDay(20240201), false);
  assert.is(isDay(undefined), false);
  assert.ok(isDay('2024-02-29'));
  assert.not.ok(isDay('2023-02-29'));
});

test.run();
