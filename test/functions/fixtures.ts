/** Helpers shared by the function suites: push envelopes, Bigtable dumps, waiting, counting. */
import type {Table} from '@google-cloud/bigtable';
import type {Pool, RowDataPacket} from 'mysql2/promise';
import {type Generator, loadGenerator} from '../../core/generation/generator';
import {
  type BatchSignal,
  encodeSignal,
  signalAttributes,
} from '../../core/pubsub/batch-signal';
import {batchIdForKey} from '../../core/generation/slot';
import type {SqlPool} from '../../core/sql/connect';
import {insertBatch} from '../../core/sql/generation-batches';
import {HOUR_MS, floorToHour} from '../../core/time';

/** What a Pub/Sub push subscription POSTs. */
export function pushEnvelope(
  signal: BatchSignal | {raw: string},
  subscription: string,
  messageId = String(Date.now()),
) {
  const data =
    'raw' in signal
      ? Buffer.from(signal.raw).toString('base64')
      : encodeSignal(signal).toString('base64');
  return {
    message: {
      data,
      attributes: 'raw' in signal ? {} : signalAttributes(signal),
      messageId,
      publishTime: new Date().toISOString(),
    },
    subscription,
  };
}

/** POSTs an envelope the way a push subscription does; the topic is taken from the URL path. */
export async function deliver(
  url: string,
  project: string,
  topic: string,
  envelope: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/projects/${project}/topics/${topic}`, {
    method: 'POST',
    headers: {'content-type': 'application/json', ...headers},
    body: JSON.stringify(envelope),
  });
}

/** Every cell of the table (all versions), canonical: equal dumps mean identical content. */
export async function dumpTable(table: Table): Promise<string> {
  const [rows] = await table.getRows();
  const canonical = rows
    .map(row => ({
      key: row.id,
      families: Object.keys(row.data)
        .sort()
        .map(family => ({
          family,
          columns: Object.keys(row.data[family])
            .sort()
            .map(qualifier => ({
              qualifier,
              cells: (
                row.data[family][qualifier] as Array<{
                  value: unknown;
                  timestamp: unknown;
                }>
              ).map(c => `${String(c.timestamp)}=${String(c.value)}`),
            })),
        })),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return JSON.stringify(canonical);
}

export async function countRows(pool: Pool, where = '1=1'): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM transactions WHERE ${where}`,
  );
  return Number(rows[0]?.n ?? 0);
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

/** The JSON log lines a served function printed. */
export function logLines(text: string): Array<Record<string, unknown>> {
  return text.split('\n').flatMap(line => {
    try {
      const parsed = JSON.parse(line);
      return typeof parsed === 'object' && parsed !== null ? [parsed] : [];
    } catch {
      return [];
    }
  });
}

/** An hour that is safely in the past and on the hour: `hoursAgo` hours before the current one. */
export function pastHour(hoursAgo: number): Date {
  return new Date(floorToHour(new Date()).getTime() - hoursAgo * HOUR_MS);
}

/**
 * A plain pool in the shape core code takes, for everything but replication's claims: those need
 * the claim sessions of a pool opened by openSqlPool (the suite's `env.sql`).
 */
export function sqlPoolOf(pool: Pool): SqlPool {
  return {
    pool,
    acquire: () => pool.getConnection(),
    acquireClaimSession: () =>
      Promise.reject(
        new Error(
          'sqlPoolOf wraps a plain pool without claim sessions: replicate through env.sql',
        ),
      ),
    close: async () => {},
  };
}

let generator: Generator | undefined;

/** Commits `batches` generated batches of `perBatch` rows (keyed `prefix-i`) straight through core. */
export async function seedBatches(
  pool: Pool,
  prefix: string,
  batches: number,
  perBatch: number,
  hoursAgo = 4,
): Promise<number> {
  generator ??= await loadGenerator();
  const slotStart = pastHour(hoursAgo);
  for (let i = 0; i < batches; i++) {
    const batchId = batchIdForKey(`${prefix}-${i}`);
    const transactions = generator.generate({
      batchId,
      slotStart,
      count: perBatch,
    });
    await insertBatch(sqlPoolOf(pool), {batchId, slotStart, transactions});
  }
  return batches * perBatch;
}

/** Versions per cell across the table: [min, max]. Exactly-once content means [1, 1]. */
export async function cellVersionRange(
  table: Table,
): Promise<[number, number]> {
  const [rows] = await table.getRows();
  let min = Infinity;
  let max = 0;
  for (const row of rows) {
    for (const family of Object.values(
      row.data as Record<string, Record<string, unknown[]>>,
    )) {
      for (const cells of Object.values(family)) {
        min = Math.min(min, cells.length);
        max = Math.max(max, cells.length);
      }
    }
  }
  return [min, max];
}
