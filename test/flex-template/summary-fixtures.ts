/** Daily summary CSVs for the flex-template tests and bench, made with core's own encoder. */
import {createBigtableClient} from '../../core/bigtable/client';
import {NEWEST_CELL} from '../../core/bigtable/read-rows';
import {
  decodeSummaryRow,
  type SummaryCells,
} from '../../core/bigtable/summary-row';
import {mkdirSync, writeFileSync} from 'node:fs';
import * as path from 'node:path';
import {addDays} from '../../core/day';
import {CURRENCIES, type Currency} from '../../core/money';
import {defaultResources} from '../../core/resources';
import {
  encodeSummaryCsv,
  summaryFileName,
  type SummaryRow,
} from '../../core/summary-csv';
import {TRANSACTION_TYPES} from '../../core/transaction';

/** A deterministic pseudo-random day: every (type, currency) group, its totals and the grand total. */
export function summaryRowsFor(day: string, seed = 1): SummaryRow[] {
  let state = (seed * 2654435761 + Number(day.replace(/-/g, ''))) >>> 0;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  const groups: SummaryRow[] = [];
  const totals = new Map<Currency, {count: number; sum: bigint}>();
  for (const type of TRANSACTION_TYPES) {
    for (const currency of CURRENCIES) {
      const count = next() % 40;
      if (count === 0) continue;
      const sumMinor =
        BigInt(next() % 10_000_000) * (type === 'refund' ? -1n : 1n);
      groups.push({kind: 'group', date: day, type, currency, count, sumMinor});
      const t = totals.get(currency) ?? {count: 0, sum: 0n};
      totals.set(currency, {count: t.count + count, sum: t.sum + sumMinor});
    }
  }
  const rows: SummaryRow[] = [...groups];
  let all = 0;
  for (const [currency, t] of [...totals].sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    rows.push({
      kind: 'currency-total',
      date: day,
      currency,
      count: t.count,
      sumMinor: t.sum,
    });
    all += t.count;
  }
  rows.push({kind: 'grand-total', date: day, count: all});
  return rows;
}

/** Writes `days` consecutive daily files starting at `first`; returns their dates. */
export function writeSummaryFiles(
  dir: string,
  first: string,
  days: number,
): string[] {
  mkdirSync(dir, {recursive: true});
  const dates: string[] = [];
  for (let i = 0; i < days; i++) {
    const day = addDays(first, i);
    writeFileSync(
      path.join(dir, summaryFileName(day)),
      encodeSummaryCsv(summaryRowsFor(day)),
    );
    dates.push(day);
  }
  return dates;
}

/**
 * Creates the summaries table (families count and sum) on the emulator, if absent, and the
 * instance's pipeline_state table, where an auto run takes its load lease.
 */
export async function createSummaryTable(
  project: string,
  instance: string,
  table: string,
): Promise<void> {
  const bigtable = createBigtableClient({projectId: project}).instance(
    instance,
  );
  const resources = defaultResources(project).bigtable;
  for (const [id, families] of [
    [table, Object.values(resources.summaries.families)],
    [resources.state.id, Object.values(resources.state.families)],
  ] as const) {
    const t = bigtable.table(id);
    const [exists] = await t.exists();
    if (!exists) await t.create({families: [...families]});
  }
}

export async function readSummaryTable(
  project: string,
  instance: string,
  table: string,
): Promise<SummaryCells[]> {
  const t = createBigtableClient({projectId: project})
    .instance(instance)
    .table(table);
  const [rows] = await t.getRows({filter: NEWEST_CELL});
  return rows.map(row =>
    decodeSummaryRow(row, defaultResources(project).bigtable.summaries),
  );
}

/** Every version of every cell, to check that reloading a date does not stack versions. */
export async function countCells(
  project: string,
  instance: string,
  table: string,
): Promise<number> {
  const t = createBigtableClient({projectId: project})
    .instance(instance)
    .table(table);
  const [rows] = await t.getRows();
  let n = 0;
  for (const row of rows)
    for (const fam of Object.values(
      row.data as Record<string, Record<string, unknown[]>>,
    ))
      for (const cells of Object.values(fam)) n += cells.length;
  return n;
}
