import type {Currency} from '../money';

/** One store's view of one day: how many transactions, and per currency the count and exact sum. */
export interface StoreDay {
  count: number;
  currencies: Map<Currency, {count: number; sumMinor: bigint}>;
}

/** The four places a day's numbers live, in the order the pipeline writes them. */
export const STORES = ['sql', 'txn_tbl', 'csv', 'summary_table'] as const;
/** What a subscriber of the AVRO topic received: compared only when it was counted (`npm start`). */
export const AVRO_STORE = 'avro_topic';
export type StoreName = (typeof STORES)[number] | typeof AVRO_STORE;

/** A day's stores: the four always, the AVRO topic when it was counted. */
export type DayStores = Record<
  (typeof STORES)[number],
  StoreDay | undefined
> & {[AVRO_STORE]?: StoreDay & {duplicates: number}};

/** The stores a day has, in order. */
export function storesOf(stores: DayStores): StoreName[] {
  return AVRO_STORE in stores ? [...STORES, AVRO_STORE] : [...STORES];
}

export function emptyStoreDay(): StoreDay {
  return {count: 0, currencies: new Map()};
}

/** Adds one transaction (or a per-currency total of `count` of them) to a day. */
export function addTo(
  day: StoreDay,
  currency: Currency,
  sumMinor: bigint,
  count = 1,
): void {
  const bucket = day.currencies.get(currency);
  if (bucket) {
    bucket.count += count;
    bucket.sumMinor += sumMinor;
  } else {
    day.currencies.set(currency, {count, sumMinor});
  }
  day.count += count;
}
