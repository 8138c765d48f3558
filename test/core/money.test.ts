import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  CURRENCIES,
  MoneyError,
  formatMinor,
  parseDecimal,
  sumMinor,
} from '../../core/money';

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
  for (let i = 0; i < 1_000_000; i++) {
    // Up to 10^12 minor units, both signs, heavy-tailed like real money.
    const magnitude = BigInt(
      Math.floor(next() * 10 ** Math.floor(next() * 12)),
    );
    const minor = next() < 0.1 ? -magnitude : magnitude;
    reference += minor;
    const text = formatMinor(minor, 'USD');
    texts.push(text);
  }
  const total = sumMinor(texts.map(text => parseDecimal(text, 'USD')));
  assert.is(total, reference);
  assert.is(formatMinor(total, 'USD'), formatMinor(reference, 'USD'));
});

test('amounts a float cannot hold parse, sum and format exactly', () => {
  // 2^53 + 1 minor units: the first integer a double rounds away.
  assert.is(parseDecimal('90071992547409.93', 'USD'), 9_007_199_254_740_993n);
  assert.is(formatMinor(9_007_199_254_740_993n, 'USD'), '90071992547409.93');
  assert.is(parseDecimal('9007199254740993', 'JPY'), 9_007_199_254_740_993n);
  assert.is(
    parseDecimal('-123456789012345678.91', 'EUR'),
    -12_345_678_901_234_567_891n,
  );
  // Ten times 0.10 is 1.00 here (as doubles, 0.1 added ten times is 0.9999999999999999).
  assert.is(
    formatMinor(
      sumMinor(Array.from({length: 10}, () => parseDecimal('0.10', 'USD'))),
      'USD',
    ),
    '1.00',
  );
  const large = ['90071992547409.93', '0.01', '0.01', '-0.03'].map(text =>
    parseDecimal(text, 'USD'),
  );
  assert.is(formatMinor(sumMinor(large), 'USD'), '90071992547409.92');
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
      const minor =
        BigInt(Math.floor(next() * 1e15)) * (next() < 0.5 ? -1n : 1n);
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
    assert.throws(
      () => parseDecimal(text, currency),
      (error: unknown) => error instanceof MoneyError,
      `${text} ${currency}`,
    );
  }
});

test.run();
