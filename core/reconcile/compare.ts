import type {Day} from '../day';
import {type Currency, CURRENCIES, formatMinor} from '../money';
import {
  type DayStores,
  type StoreDay,
  type StoreName,
  storesOf,
} from './day-totals';

export interface DayReconciliation {
  day: Day;
  /** Each store's view; undefined when the store has nothing for the day (no file, no row). */
  stores: DayStores;
  thresholdSignal: string | undefined;
  /** One sentence per difference or problem; empty when the day reconciles. */
  differences: string[];
  ok: boolean;
}

export interface DayInputs {
  day: Day;
  stores: DayStores;
  /** Problems a store found in its own data (malformed rows, bad lines, unsent rows). */
  problems: Partial<Record<StoreName, string[]>>;
  thresholdSignal?: string;
}

/**
 * Compares one day across the stores, Cloud SQL being the truth: every other store must hold the
 * same transaction count and, per currency, the same count and exact sum (the AVRO topic too, when
 * it was counted: its distinct transactions).
 */
export function compareDay(inputs: DayInputs): DayReconciliation {
  const differences: string[] = [];
  const stores = storesOf(inputs.stores);
  for (const store of stores)
    for (const problem of inputs.problems[store] ?? [])
      differences.push(`${store}: ${problem}`);
  const truth = inputs.stores.sql;
  if (!truth) differences.push('sql: no figures for the day');
  for (const store of stores.slice(1)) {
    const view = inputs.stores[store];
    if (!view) {
      differences.push(
        `${store}: missing (${store === 'csv' ? 'no summary file' : store === 'summary_table' ? 'no row' : 'no rows'})`,
      );
      continue;
    }
    if (truth) differences.push(...differencesOf(store, view, truth));
  }
  return {
    day: inputs.day,
    stores: inputs.stores,
    thresholdSignal: inputs.thresholdSignal,
    differences,
    ok: differences.length === 0,
  };
}

function differencesOf(
  store: StoreName,
  view: StoreDay,
  truth: StoreDay,
): string[] {
  const found: string[] = [];
  if (view.count !== truth.count)
    found.push(`${store}: ${view.count} transactions, sql ${truth.count}`);
  const currencies = CURRENCIES.filter(
    c => view.currencies.has(c) || truth.currencies.has(c),
  );
  for (const currency of currencies) {
    const mine = view.currencies.get(currency) ?? {count: 0, sumMinor: 0n};
    const theirs = truth.currencies.get(currency) ?? {count: 0, sumMinor: 0n};
    if (mine.count !== theirs.count)
      found.push(
        `${store}: ${currency} count ${mine.count}, sql ${theirs.count}`,
      );
    if (mine.sumMinor !== theirs.sumMinor)
      found.push(
        `${store}: ${currency} sum ${money(mine.sumMinor, currency)}, sql ${money(theirs.sumMinor, currency)}`,
      );
  }
  return found;
}

function money(minor: bigint, currency: Currency): string {
  return formatMinor(minor, currency);
}
