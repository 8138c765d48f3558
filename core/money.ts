/**
 * Exact money: integer minor units (bigint) tagged with an ISO 4217 currency.
 * Decimal strings exist only at the edges (CSV, logs, Bigtable cells meant for people).
 */
const CURRENCY_EXPONENTS = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CHF: 2,
  CAD: 2,
  AUD: 2,
  INR: 2,
  JPY: 0,
} as const;

export type Currency = keyof typeof CURRENCY_EXPONENTS;
export const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as Currency[];

export class MoneyError extends Error {
  readonly code = 'MONEY_INVALID';
}

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && Object.hasOwn(CURRENCY_EXPONENTS, value);
}

export function exponentOf(currency: Currency): number {
  return CURRENCY_EXPONENTS[currency];
}

/** Formats minor units as a plain decimal string with exactly the currency's digits: 123456n USD -> "1234.56". */
export function formatMinor(minor: bigint, currency: Currency): string {
  const exponent = exponentOf(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString();
  if (exponent === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const whole = padded.slice(0, -exponent);
  const fraction = padded.slice(-exponent);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** The strict decimal pattern of each exponent, compiled once. */
const DECIMAL_PATTERNS = new Map<number, RegExp>();
function decimalPattern(exponent: number): RegExp {
  let pattern = DECIMAL_PATTERNS.get(exponent);
  if (!pattern) {
    pattern =
      exponent === 0
        ? /^(-?)(0|[1-9]\d*)$/
        : new RegExp(`^(-?)(0|[1-9]\\d*)\\.(\\d{${exponent}})$`);
    DECIMAL_PATTERNS.set(exponent, pattern);
  }
  return pattern;
}

/**
 * Parses a decimal string into minor units. Strict: the fraction must have exactly the currency's
 * digits (USD "12.30", JPY "1200"), no exponent, no grouping, no plus sign, no stray whitespace.
 */
export function parseDecimal(text: string, currency: Currency): bigint {
  const exponent = exponentOf(currency);
  const match = decimalPattern(exponent).exec(text);
  if (!match) {
    const shape =
      exponent === 0
        ? 'a whole number'
        : `a decimal with exactly ${exponent} fraction digits`;
    throw new MoneyError(
      `"${text}" is not a valid ${currency} amount: expected ${shape}`,
    );
  }
  const [, sign, whole, fraction = ''] = match;
  const minor = BigInt(`${whole}${fraction}`);
  return sign === '-' ? -minor : minor;
}

/** Sums minor units exactly. */
export function sumMinor(values: Iterable<bigint>): bigint {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}
