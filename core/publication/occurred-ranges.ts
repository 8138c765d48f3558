import {dayOf, daysBetween} from '../day';
import type {RowRange} from '../bigtable/read-rows';
import {SALT_BUCKETS, dayRanges} from '../bigtable/row-key';

/**
 * The `txn_tbl` row ranges that hold exactly the transactions that occurred in [from, to), per
 * salt bucket: each day of the span is SALT_BUCKETS contiguous ranges (see row-key), cut at `from`'s
 * time on the first day and at `to`'s time on the last. Nothing outside the span is read.
 */
export function occurredRanges(from: Date, to: Date): RowRange[][] {
  const bySalt: RowRange[][] = Array.from({length: SALT_BUCKETS}, () => []);
  if (to.getTime() <= from.getTime()) return bySalt;
  const firstDay = dayOf(from);
  const lastDay = dayOf(new Date(to.getTime() - 1));
  const timeOf = (instant: Date) => instant.toISOString().slice(11, 23);
  for (const day of daysBetween(firstDay, lastDay)) {
    dayRanges(day).forEach((range, salt) => {
      // range.start is the day's prefix `NN#yyyy-mm-dd#`: a key `prefix + hh:mm:ss.SSS#id` sorts by its time.
      const start =
        day === firstDay ? `${range.start}${timeOf(from)}` : range.start;
      const end = day === dayOf(to) ? `${range.start}${timeOf(to)}` : range.end;
      bySalt[salt]!.push({start, end});
    });
  }
  return bySalt;
}
