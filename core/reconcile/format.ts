import {CURRENCIES, formatMinor} from '../money';
import type {DayReconciliation} from './compare';
import {AVRO_STORE, type StoreDay, storesOf} from './day-totals';
import type {Reconciliation} from './reconcile';

const WIDTH = 24;

function cell(
  view: StoreDay | undefined,
  currency?: (typeof CURRENCIES)[number],
): string {
  if (!view) return '-';
  if (!currency) return String(view.count);
  const bucket = view.currencies.get(currency);
  return bucket
    ? `${bucket.count} ${formatMinor(bucket.sumMinor, currency)}`
    : '0';
}

/** One day as a table: a line per currency (count and exact sum), a column per store. */
export function formatDay(day: DayReconciliation): string {
  const verdict = day.ok ? 'ok' : 'DIFFERS';
  const signal = day.thresholdSignal
    ? `  threshold_signal ${day.thresholdSignal}`
    : '';
  const stores = storesOf(day.stores);
  const lines = [
    `${day.day}  ${verdict}${signal}`,
    `  ${'currency'.padEnd(9)}${stores.map(s => s.padStart(WIDTH)).join('')}`,
  ];
  const currencies = CURRENCIES.filter(c =>
    stores.some(s => day.stores[s]?.currencies.has(c)),
  );
  lines.push(
    `  ${'ALL'.padEnd(9)}${stores.map(s => cell(day.stores[s]).padStart(WIDTH)).join('')}`,
  );
  for (const currency of currencies)
    lines.push(
      `  ${currency.padEnd(9)}${stores.map(s => cell(day.stores[s], currency).padStart(WIDTH)).join('')}`,
    );
  const avro = day.stores[AVRO_STORE];
  if (avro)
    lines.push(
      `  ${AVRO_STORE}: ${avro.duplicates} duplicates delivered (dropped by transactionId)`,
    );
  for (const difference of day.differences) lines.push(`  ! ${difference}`);
  return lines.join('\n');
}

/** The last line of a report: `reconciled`, or the days that differ. */
export function verdictLine(result: Reconciliation): string {
  return result.ok ? 'reconciled' : `differs: ${result.differing.join(', ')}`;
}

export function formatReconciliation(result: Reconciliation): string {
  return [...result.days.map(formatDay), verdictLine(result)].join('\n');
}

/** JSON-ready (bigint sums as exact decimal strings of minor units). */
export function reconciliationJson(result: Reconciliation) {
  return {
    from: result.from,
    to: result.to,
    ok: result.ok,
    differing: result.differing,
    days: result.days.map(day => ({
      day: day.day,
      ok: day.ok,
      thresholdSignal: day.thresholdSignal ?? null,
      differences: day.differences,
      ...(day.stores[AVRO_STORE]
        ? {avroDuplicates: day.stores[AVRO_STORE].duplicates}
        : {}),
      stores: Object.fromEntries(
        storesOf(day.stores).map(store => {
          const view = day.stores[store];
          return [
            store,
            view
              ? {
                  count: view.count,
                  currencies: Object.fromEntries(
                    [...view.currencies].map(([c, b]) => [
                      c,
                      {count: b.count, sumMinor: b.sumMinor.toString()},
                    ]),
                  ),
                }
              : null,
          ];
        }),
      ),
    })),
  };
}
