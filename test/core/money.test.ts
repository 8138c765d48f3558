import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CURRENCIES, MoneyError, formatMinor, parseDecimal, sumMinor } from '../../core/money';

/** Deterministic xorshift so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

test('a million random amounts sum exactly, through decimal strings and back', () => {
  const next = random(20261127);
  const texts: string[] = [];
  let reference = 0n;
  let floatSum = 0;
  for (let i = 0; i < 1_000_000; i++) {
    // Up to 10^12 minor units, both signs, heavy-tailed like real money.
    const magnitude = BigInt(Math.floor(next() * 10 ** Math.floor(next() * 12)));
    const minor = next() < 0.1 ? -magnitude : magnitude;
    reference += minor;
    const text = formatMinor(minor, 'USD');
    texts.push(text);
    floatSum += Number(text);
  }
  const total = sumMinor(texts.map((text) => parseDecimal(text, 'USD')));
  assert.is(total, reference);
  assert.is(formatMinor(total, 'USD'), formatMinor(reference, 'USD'));
  // The reason money is never a float: the binary sum of the same strings is off.
  assert.is.not(Math.round(floatSum * 100), Number(reference));
});

test('formatMinor writes exactly the currency digits', () => {
  assert.is(formatMinor(0n, 'USD'), '0.00');
  assert.is(formatMinor(5n, 'USD'), '0.05');
  assert.is(formatMinor(-5n, 'EUR'), '-0.05');
  assert.is(formatMinor(123456n, 'GBP'), '1234.56');
  assert.is(formatMinor(1200n, 'JPY'), '1200');
  assert.is(formatMinor(-1200n, 'JPY'), '-1200');
  assert.is(formatMinor(10n ** 20n + 1n, 'USD'), '1000000000000000000.01');
});

test('parseDecimal round-trips every currency', () => {
  const next = random(7);
  for (const currency of CURRENCIES) {
    for (let i = 0; i < 1000; i++) {
      const minor = BigInt(Math.floor(next() * 1e15)) * (next() < 0.5 ? -1n : 1n);
      assert.is(parseDecimal(formatMinor(minor, currency), currency), minor);
    }
  }
});

test('parseDecimal refuses anything but the strict form', () => {
  const bad: Array<[string, 'USD' | 'JPY']> = [
    ['12.3', 'USD'],
    ['12.345', 'USD'],
    ['12', 'USD'],
    ['1e3', 'USD'],
    ['+1.00', 'USD'],
    [' 1.00', 'USD'],
    ['1,000.00', 'USD'],
    ['01.00', 'USD'],
    ['', 'USD'],
    ['-', 'USD'],
    ['12.00', 'JPY'],
    ['NaN', 'JPY'],
  ];
  for (const [text, currency] of bad) {
    assert.throws(() => parseDecimal(text, currency), (error: unknown) => error instanceof MoneyError, `${text} ${currency}`);
  }
});

test.run();
