/**
 * The acceptance check of the summaries' exactness: 100,000 transactions go both into MariaDB's
 * `transactions` table and into Bigtable; the CSV the job writes from Bigtable must equal, line for
 * line, a SQL GROUP BY over the same source rows (SUM over BIGINT is an exact DECIMAL in SQL).
 */
import {randomBytes} from 'node:crypto';
import {createPool, type Pool, type RowDataPacket} from 'mysql2/promise';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {addDays, endOfDay, startOfDay} from '../../../core/day';
import type {Currency} from '../../../core/money';
import {applyMigrations} from '../../../core/sql/migrations';
import {runDailySummary} from '../../../core/summary/daily-summary';
import {
  decodeSummaryCsv,
  summaryFileName,
  type SummaryRow,
} from '../../../core/summary-csv';
import type {Transaction} from '../../../core/transaction';
import {
  isolatedBigtable,
  setWatermark,
  type TestBigtable,
  transactionsOf,
  watermarkAfter,
  writeTransactions,
} from './fixtures';
import {localStore, memoryLogger, type TestStore} from './stores';
import {printingErrors} from '../../support/hooks';

const DAY = '2026-06-15';
const ROWS = 100_000;
let t: TestBigtable;
let s: TestStore;
let pool: Pool;
let database: string;

const sqlTime = (d: Date) => d.toISOString().slice(0, 23).replace('T', ' ');

async function insertSql(txns: Iterable<Transaction>): Promise<void> {
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await pool.query(
      'INSERT INTO transactions (id, batch_id, occurred_at, account_id, merchant, merchant_category, txn_type, amount_minor, currency) VALUES ?',
      [batch],
    );
    batch = [];
  };
  for (const x of txns) {
    batch.push([
      x.id,
      x.batchId,
      sqlTime(x.occurredAt),
      x.accountId,
      x.merchant,
      x.merchantCategory,
      x.type,
      x.amountMinor.toString(),
      x.currency,
    ]);
    if (batch.length === 5000) await flush();
  }
  await flush();
}

/** The whole day's CSV as SQL computes it, in the job's row order. */
async function summaryFromSql(): Promise<SummaryRow[]> {
  const range = [sqlTime(startOfDay(DAY)), sqlTime(endOfDay(DAY))];
  const [groups] = await pool.query<RowDataPacket[]>(
    `SELECT txn_type, currency, COUNT(*) AS n, CAST(SUM(amount_minor) AS CHAR) AS total
       FROM transactions WHERE occurred_at >= ? AND occurred_at < ? GROUP BY txn_type, currency`,
    range,
  );
  const [currencies] = await pool.query<RowDataPacket[]>(
    `SELECT currency, COUNT(*) AS n, CAST(SUM(amount_minor) AS CHAR) AS total
       FROM transactions WHERE occurred_at >= ? AND occurred_at < ? GROUP BY currency`,
    range,
  );
  const [[all]] = await pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM transactions WHERE occurred_at >= ? AND occurred_at < ?',
    range,
  );
  const rows: SummaryRow[] = [
    ...groups.map((g): SummaryRow => ({
      kind: 'group',
      date: DAY,
      type: g.txn_type,
      currency: g.currency as Currency,
      count: Number(g.n),
      sumMinor: BigInt(g.total),
    })),
    ...currencies.map((c): SummaryRow => ({
      kind: 'currency-total',
      date: DAY,
      currency: c.currency as Currency,
      count: Number(c.n),
      sumMinor: BigInt(c.total),
    })),
    {kind: 'grand-total', date: DAY, count: Number(all!.n)},
  ];
  return rows;
}

const keyOf = (r: SummaryRow) =>
  r.kind === 'group'
    ? `${r.type}|${r.currency}`
    : r.kind === 'currency-total'
      ? `TOTAL|${r.currency}`
      : 'TOTAL|ALL';

test.before(
  printingErrors(async () => {
    if (!process.env.MYSQL_HOST)
      throw new Error(
        'MYSQL_HOST is not set: run through npm test (test/run.ts)',
      );
    t = await isolatedBigtable('reconcile');
    s = localStore();
    pool = createPool({
      host: process.env.MYSQL_HOST,
      port: Number(process.env.MYSQL_PORT),
      user: process.env.MYSQL_USER,
      password: process.env.MYSQL_PASSWORD,
      connectionLimit: 4,
      timezone: 'Z',
    });
    database = `reconcile_${randomBytes(4).toString('hex')}`;
    await applyMigrations(pool, database);
    await pool.query(`USE \`${database}\``);
    pool.on('connection', c => void c.query(`USE \`${database}\``));
    // The day, plus rows either side of it that neither side may count.
    const sources = () => [
      transactionsOf(DAY, ROWS, 7),
      transactionsOf(addDays(DAY, -1), 1000, 8),
      transactionsOf(addDays(DAY, 1), 1000, 9),
    ];
    await Promise.all([
      (async () => {
        for (const source of sources()) await writeTransactions(t, source);
      })(),
      (async () => {
        for (const source of sources()) await insertSql(source);
      })(),
    ]);
    await setWatermark(t, watermarkAfter(addDays(DAY, 1)));
  }),
);

test.after(async () => {
  await pool
    ?.query(`DROP DATABASE IF EXISTS \`${database}\``)
    .catch(() => undefined);
  await pool?.end();
  await s?.cleanup();
  await t?.close();
});

test(`the CSV of a day of ${ROWS.toLocaleString('en')} rows equals SQL's GROUP BY over the same rows`, async () => {
  const report = await runDailySummary(
    {
      txnTable: t.txnTable,
      txnSchema: t.resources.bigtable.txn,
      stateTable: t.stateTable,
      stateSchema: t.resources.bigtable.state,
      store: s.store,
      log: memoryLogger().log,
    },
    {scope: {kind: 'range', from: DAY, to: DAY}},
  );
  assert.ok(report.ok);
  const outcome = report.outcomes[0];
  assert.is(outcome?.status, 'written');
  if (outcome?.status === 'written') assert.is(outcome.rowsRead, ROWS);

  const csv = decodeSummaryCsv(
    (await s.store.read(summaryFileName(DAY))).toString('utf8'),
  );
  assert.equal(csv.rejected, []);
  const fromCsv = new Map(
    csv.rows.map(({line: _, ...row}) => [keyOf(row), row]),
  );
  const fromSql = new Map(
    (await summaryFromSql()).map(row => [keyOf(row), row]),
  );
  assert.equal([...fromCsv.keys()].sort(), [...fromSql.keys()].sort());
  for (const [key, row] of fromSql) assert.equal(fromCsv.get(key), row, key);
  assert.equal(fromCsv.get('TOTAL|ALL'), {
    kind: 'grand-total',
    date: DAY,
    count: ROWS,
  });
  // The sums really are beyond what a double holds exactly: the check is not vacuous.
  const largest = [...fromSql.values()].reduce(
    (max, r) =>
      r.kind !== 'grand-total' && r.sumMinor > max ? r.sumMinor : max,
    0n,
  );
  assert.ok(
    largest > BigInt(Number.MAX_SAFE_INTEGER),
    `largest sum ${largest}`,
  );
});

test.run();
