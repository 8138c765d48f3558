import type { Currency } from '../money';

/** One store's view of one day: how many transactions, and per currency the count and exact sum. */
export interface StoreDay {
  count: number;
  currencies: Map<Currency, { count: number; sumMinor: bigint }>;
}

/** The four places a day's numbers live, in the order the pipeline writes them. */
export const STORES = ['sql', 'txn_tbl', 'csv', 'summary_table'] as const;
export type StoreName = (typeof STORES)[number];

export function emptyStoreDay(): StoreDay {
  return { count: 0, currencies: new Map() };
}

/** Adds one transaction (or a per-currency total of `count` of them) to a day. */
export function addTo(day: StoreDay, currency: Currency, sumMinor: bigint, count = 1): void {
  const bucket = day.currencies.get(currency);
  if (bucket) {
    bucket.count += count;
    bucket.sumMinor += sumMinor;
  } else {
    day.currencies.set(currency, { count, sumMinor });
  }
  day.count += count;
}
