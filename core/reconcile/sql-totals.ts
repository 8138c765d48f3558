import type {RowDataPacket} from 'mysql2/promise';
import {type Day, addDays, startOfDay} from '../day';
import {isCurrency} from '../money';
import type {SqlPool} from '../sql/connect';
import {type StoreDay, emptyStoreDay} from './day-totals';

/**
 * Cloud SQL's view of the days `from`..`to`: counts and exact sums (BIGINT summed by the server as
 * DECIMAL, read as a string) per currency, grouped by the UTC day of `occurred_at`. Also how many
 * rows of those days are not yet flagged as sent to Bigtable.
 */
export async function sqlTotals(
  sql: SqlPool,
  from: Day,
  to: Day,
): Promise<{days: Map<Day, StoreDay>; unsent: Map<Day, number>}> {
  const connection = await sql.acquire();
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      `SELECT DATE_FORMAT(occurred_at, '%Y-%m-%d') AS day, currency, COUNT(*) AS n,
              CAST(SUM(amount_minor) AS CHAR) AS total, SUM(sent_to_big_table = FALSE) AS unsent
         FROM transactions
        WHERE occurred_at >= ? AND occurred_at < ?
        GROUP BY day, currency`,
      [startOfDay(from), startOfDay(addDays(to, 1))],
    );
    const days = new Map<Day, StoreDay>();
    const unsent = new Map<Day, number>();
    for (const row of rows) {
      const day = String(row.day);
      const currency = String(row.currency);
      if (!isCurrency(currency))
        throw new Error(
          `Cloud SQL holds transactions of ${day} in an unknown currency "${currency}"`,
        );
      let totals = days.get(day);
      if (!totals) days.set(day, (totals = emptyStoreDay()));
      const count = Number(row.n);
      totals.currencies.set(currency, {
        count,
        sumMinor: BigInt(String(row.total)),
      });
      totals.count += count;
      unsent.set(day, (unsent.get(day) ?? 0) + Number(row.unsent));
    }
    return {days, unsent};
  } finally {
    connection.release();
  }
}
