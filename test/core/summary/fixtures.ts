/**
 * Test data for the summary suites: deterministic transactions, an isolated Bigtable instance with
 * the txn and state tables, and bulk writes kept to a few requests in flight (the emulator answers
 * DEADLINE_EXCEEDED to unbounded concurrency).
 */
import type {Bigtable, Table} from '@google-cloud/bigtable';
import {createBigtableClient} from '../../../core/bigtable/client';
import {markDayChanged} from '../../../core/bigtable/day-changes';
import {addDays, type Day, dayOf, startOfDay} from '../../../core/day';
import {CURRENCIES, type Currency} from '../../../core/money';
import {
  bigtableTableSpecs,
  provisionBigtable,
} from '../../../core/provision/bigtable';
import type {Resources} from '../../../core/resources';
import {TRANSACTION_TYPES, type Transaction} from '../../../core/transaction';
import {toRowEntry} from '../../../core/bigtable/txn-row';
import {recordWatermark} from '../../../core/bigtable/pipeline-state';
import {suiteResources} from '../../support/suite-resources';

/** A small seeded PRNG (mulberry32): the same seed gives the same transactions in every run. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` transactions spread over the day; 5% of amounts are up to 10^15 minor units, so that sums outgrow a double's exact range. */
export function* transactionsOf(
  day: Day,
  count: number,
  seed = 1,
  idPrefix = 't',
): Generator<Transaction> {
  const next = random(seed);
  const start = startOfDay(day).getTime();
  for (let i = 0; i < count; i++) {
    const currency = CURRENCIES[
      Math.floor(next() * CURRENCIES.length)
    ] as Currency;
    const big = next() < 0.05;
    yield {
      id: `${idPrefix}${day.replaceAll('-', '')}_${seed}_${i}`,
      batchId: `b${day.replaceAll('-', '')}`,
      occurredAt: new Date(start + Math.floor(next() * 86_400_000)),
      accountId: `acct-${Math.floor(next() * 5000)}`,
      merchant: `merchant-${Math.floor(next() * 300)}`,
      merchantCategory: 'retail',
      type: TRANSACTION_TYPES[Math.floor(next() * TRANSACTION_TYPES.length)]!,
      amountMinor: BigInt(1 + Math.floor(next() * (big ? 1e15 - 2 : 1e6))),
      currency,
    };
  }
}

export interface TestBigtable {
  bigtable: Bigtable;
  instanceId: string;
  resources: Resources;
  txnTable: Table;
  stateTable: Table;
  close(): Promise<void>;
}

/**
 * A Bigtable instance of the suite's own (test/support naming), provisioned by the same code as
 * deploy: no suite sees another's rows.
 */
export async function isolatedBigtable(suite: string): Promise<TestBigtable> {
  if (!process.env.BIGTABLE_EMULATOR_HOST)
    throw new Error(
      'BIGTABLE_EMULATOR_HOST is not set: run the tests with `npm test`',
    );
  const resources = suiteResources(suite);
  const bigtable = createBigtableClient({projectId: resources.project});
  await provisionBigtable(bigtable, resources.bigtable);
  const instance = bigtable.instance(resources.bigtable.instance);
  const txnTable = instance.table(resources.bigtable.txn.id);
  const stateTable = instance.table(resources.bigtable.state.id);
  return {
    bigtable,
    instanceId: resources.bigtable.instance,
    resources,
    txnTable,
    stateTable,
    close: async () => {
      await Promise.all(
        bigtableTableSpecs(resources.bigtable).map(spec =>
          instance.table(spec.id).delete(),
        ),
      ).catch(() => undefined);
      await bigtable.close();
    },
  };
}

/**
 * Writes transactions in 1000-row batches, `inFlight` batches at a time, and marks each of their
 * days changed first, as the generation that made them would have. Returns how many were written.
 */
export async function writeTransactions(
  t: TestBigtable,
  txns: Iterable<Transaction>,
  inFlight = 4,
): Promise<number> {
  const schema = t.resources.bigtable.txn;
  const marked = new Set<Day>();
  const pending = new Set<Promise<unknown>>();
  let batch: ReturnType<typeof toRowEntry>[] = [];
  let written = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const done: Promise<unknown> = t.txnTable.insert(rows).then((): void => {
      pending.delete(done);
    });
    pending.add(done);
    written += rows.length;
    if (pending.size >= inFlight) await Promise.race(pending);
  };
  for (const txn of txns) {
    const day = dayOf(txn.occurredAt);
    if (!marked.has(day)) {
      marked.add(day);
      await markDayChanged(
        t.stateTable,
        t.resources.bigtable.state,
        day,
        'test-fixture',
      );
    }
    batch.push(toRowEntry(txn, schema));
    if (batch.length === 1000) await flush();
  }
  await flush();
  await Promise.all(pending);
  return written;
}

export async function setWatermark(
  t: TestBigtable,
  watermark: Date,
): Promise<void> {
  await recordWatermark(t.stateTable, t.resources.bigtable.state, watermark);
}

/** The watermark that makes every day up to and including `day` complete. */
export function watermarkAfter(day: Day): Date {
  return startOfDay(addDays(day, 1));
}
