/**
 * generate: rows/s through httpGenerate's insert path (lease, batch row, multi-row INSERTs of
 * 1,000 rows, lease removal, one commit per batch: core/sql/generation-batches.ts) against a raw
 * multi-row INSERT of the same rows (mysql2 bulk `VALUES ?`, 1,000 rows a statement, one commit per
 * batch) into the same server, same run. Faker and the publish are outside both figures; the
 * full request (generation + insert) is printed as information.
 * Rounds alternate which side goes first; the medians are compared.
 */
import {insertBatch} from '../core/sql/generation-batches';
import {openGenerationLease} from '../core/sql/generation-leases';
import type {SqlPool} from '../core/sql/connect';
import {loadGenerator} from '../core/generation/generator';
import {
  benchDatabase,
  benchLine,
  type GeneratedBatch,
  generatedBatches,
  median,
  platformFor,
  runBench,
} from './_support';

const BATCHES = Number(process.env.BENCH_GENERATE_BATCHES ?? 5);
const PER_BATCH = 10_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const COLUMNS =
  'id, batch_id, occurred_at, account_id, merchant, merchant_category, txn_type, amount_minor, currency';

async function reset(sql: SqlPool): Promise<void> {
  await sql.pool.query('TRUNCATE TABLE transactions');
  await sql.pool.query('TRUNCATE TABLE generation_batches');
  await sql.pool.query('TRUNCATE TABLE generation_leases');
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return (BATCHES * PER_BATCH) / ((performance.now() - started) / 1000);
}

async function insertPath(
  sql: SqlPool,
  batches: GeneratedBatch[],
): Promise<void> {
  for (const batch of batches) {
    const leaseId = await openGenerationLease(
      sql,
      batch.batchId,
      batch.slotStart,
    );
    const result = await insertBatch(sql, {...batch, leaseId});
    if (!result.created) throw new Error('expected a new batch');
  }
}

async function rawInsert(
  sql: SqlPool,
  batches: GeneratedBatch[],
): Promise<void> {
  const connection = await sql.pool.getConnection();
  try {
    for (const batch of batches) {
      await connection.beginTransaction();
      for (let start = 0; start < batch.transactions.length; start += 1000) {
        const rows = batch.transactions
          .slice(start, start + 1000)
          .map(t => [
            t.id,
            t.batchId,
            t.occurredAt,
            t.accountId,
            t.merchant,
            t.merchantCategory,
            t.type,
            t.amountMinor.toString(),
            t.currency,
          ]);
        await connection.query(
          `INSERT INTO transactions (${COLUMNS}) VALUES ?`,
          [rows],
        );
      }
      await connection.commit();
    }
  } finally {
    connection.release();
  }
}

async function main(): Promise<void> {
  const platform = await platformFor(
    ['mariadb'],
    ['MYSQL_HOST', 'MYSQL_PORT', 'MYSQL_USER'],
  );
  try {
    const [pathDb, rawDb] = await Promise.all([
      benchDatabase('bench_generate_path'),
      benchDatabase('bench_generate_raw'),
    ]);
    const batches = await generatedBatches('bench', BATCHES, PER_BATCH);
    const pathRates: number[] = [];
    const rawRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all([reset(pathDb), reset(rawDb)]);
      if (round % 2 === 0) {
        rawRates.push(await timed(() => rawInsert(rawDb, batches)));
        pathRates.push(await timed(() => insertPath(pathDb, batches)));
      } else {
        pathRates.push(await timed(() => insertPath(pathDb, batches)));
        rawRates.push(await timed(() => rawInsert(rawDb, batches)));
      }
      console.log(
        `round ${round + 1}: insert path ${pathRates.at(-1)!.toFixed(0)} rows/s, raw ${rawRates.at(-1)!.toFixed(0)} rows/s`,
      );
    }
    // Information: generation with Faker plus the insert path, as one request does it.
    await reset(pathDb);
    const generator = await loadGenerator();
    const started = performance.now();
    for (let i = 0; i < BATCHES; i++) {
      const batchId = `key-full-${i}`;
      const slotStart = batches[0]!.slotStart;
      const leaseId = await openGenerationLease(pathDb, batchId, slotStart);
      await insertBatch(pathDb, {
        batchId,
        slotStart,
        transactions: generator.generate({
          batchId,
          slotStart,
          count: PER_BATCH,
        }),
        leaseId,
      });
    }
    console.log(
      `generation + insert path: ${((BATCHES * PER_BATCH) / ((performance.now() - started) / 1000)).toFixed(0)} rows/s (information)`,
    );
    await Promise.all([pathDb.close(), rawDb.close()]);
    console.log(
      benchLine('generate', median(pathRates), median(rawRates), 'rows/s'),
    );
  } finally {
    await platform?.stop();
  }
}

runBench(main);
