import type {Day} from '../day';
import {CURRENCIES} from '../money';
import type {SummaryRow} from '../summary-csv';
import {type Transaction, TRANSACTION_TYPES} from '../transaction';

interface Bucket {
  count: number;
  sumMinor: bigint;
}

/**
 * Running totals of one day, grouped by transaction type and currency. Memory is bounded by the
 * number of (type, currency) pairs, never by the number of transactions, and sums are bigint.
 */
export class DayTotals {
  /** type -> currency -> bucket (no per-row key strings: this runs once per row of the day). */
  private readonly groups = new Map<string, Map<string, Bucket>>();
  private total = 0;

  constructor(readonly day: Day) {}

  get count(): number {
    return this.total;
  }

  add(txn: Pick<Transaction, 'type' | 'currency' | 'amountMinor'>): void {
    let byCurrency = this.groups.get(txn.type);
    if (byCurrency === undefined)
      this.groups.set(txn.type, (byCurrency = new Map()));
    const bucket = byCurrency.get(txn.currency);
    if (bucket) {
      bucket.count += 1;
      bucket.sumMinor += txn.amountMinor;
    } else {
      byCurrency.set(txn.currency, {count: 1, sumMinor: txn.amountMinor});
    }
    this.total += 1;
  }

  /**
   * The CSV rows of the day, in a fixed order so that the same data always gives the same bytes:
   * groups by currency then type (each in the order the domain lists them), then one TOTAL row per
   * currency present, then the grand total (the only row of a day without transactions).
   */
  toRows(): SummaryRow[] {
    const rows: SummaryRow[] = [];
    const totals: SummaryRow[] = [];
    for (const currency of CURRENCIES) {
      let count = 0;
      let sumMinor = 0n;
      for (const type of TRANSACTION_TYPES) {
        const bucket = this.groups.get(type)?.get(currency);
        if (!bucket) continue;
        rows.push({
          kind: 'group',
          date: this.day,
          type,
          currency,
          count: bucket.count,
          sumMinor: bucket.sumMinor,
        });
        count += bucket.count;
        sumMinor += bucket.sumMinor;
      }
      if (count > 0)
        totals.push({
          kind: 'currency-total',
          date: this.day,
          currency,
          count,
          sumMinor,
        });
    }
    return [
      ...rows,
      ...totals,
      {kind: 'grand-total', date: this.day, count: this.total},
    ];
  }
}
