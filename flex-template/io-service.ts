/**
 * The pipeline's async I/O (object store + Bigtable), run on a worker_thread behind
 * blocking-client.ts so synchronous DoFns can use it. Loaded by the thread, never by a DoFn directly.
 */
import { Bigtable } from '@google-cloud/bigtable';
import { Storage } from '@google-cloud/storage';
import { startOfDay } from '../core/day';
import { openObjectStore } from '../core/storage/open';
import type { ObjectStore } from '../core/storage/object-store';
import { dayOfSummaryFile } from '../core/summary-csv';
import type { SummaryCells } from './daily-summary-row';

export interface IoConfig {
  input: string;
  errorsPrefix: string;
  bigtable: { project: string; instance: string; table: string };
  /** Cloud Storage API endpoint override (fake-gcs-server needs it for uploads); unset on GCP. */
  storageApiEndpoint?: string;
  /** Row mutations in flight at once (the emulator and the service both dislike unbounded). */
  maxInFlight?: number;
}

export interface SummaryFile {
  name: string;
  date: string;
}

export async function createService(config: IoConfig) {
  let storage: Storage | undefined;
  const storageClient = () => (storage ??= new Storage(config.storageApiEndpoint ? { apiEndpoint: config.storageApiEndpoint } : {}));
  const input: ObjectStore = openObjectStore(config.input, storageClient);
  const errors: ObjectStore = openObjectStore(config.errorsPrefix, storageClient);
  const table = new Bigtable({ projectId: config.bigtable.project }).instance(config.bigtable.instance).table(config.bigtable.table);
  const maxInFlight = config.maxInFlight ?? 4;
  const inFlight = new Set<Promise<void>>();
  let firstFailure: unknown;

  function rethrowFailure(): void {
    if (firstFailure !== undefined) {
      const failure = firstFailure;
      firstFailure = undefined;
      throw failure;
    }
  }

  return {
    /** Summary files directly under the input prefix, by date. */
    async listSummaryFiles(): Promise<SummaryFile[]> {
      const files: SummaryFile[] = [];
      for (const name of await input.list()) {
        if (name.includes('/')) continue;
        const date = dayOfSummaryFile(name);
        if (date) files.push({ name, date });
      }
      return files.sort((a, b) => a.date.localeCompare(b.date));
    },

    /** Which of `dates` already have a row: a row is written in one mutation, so present = loaded. */
    async loadedDates(dates: string[]): Promise<string[]> {
      if (dates.length === 0) return [];
      const sorted = [...dates].sort();
      const wanted = new Set(sorted);
      const [rows] = await table.getRows({
        ranges: [{ start: sorted[0]!, end: sorted[sorted.length - 1]! }],
        filter: [{ row: { cellLimit: 1 } }, { value: { strip: true } }],
      });
      return rows.map((row) => row.id).filter((id) => wanted.has(id));
    },

    async readText(name: string): Promise<string> {
      return (await input.read(name)).toString('utf8');
    },

    async writeErrors(name: string, text: string): Promise<string> {
      await errors.write(name, text);
      return `${errors.location}${errors.location.endsWith('/') ? '' : '/'}${name}`;
    },

    /**
     * Queues rows for writing and returns once fewer than maxInFlight requests are outstanding.
     * Each row is one entry of a MutateRows request, which Bigtable applies atomically per row.
     * Cells carry the date's midnight as timestamp, so rewriting a date replaces its cells
     * (idempotent) instead of stacking versions.
     */
    async enqueueRows(rows: SummaryCells[]): Promise<void> {
      rethrowFailure();
      if (rows.length === 0) return;
      const entries = rows.map((row) => {
        const timestamp = startOfDay(row.key);
        const family = (cells: Record<string, string>) =>
          Object.fromEntries(Object.entries(cells).map(([column, value]) => [column, { value, timestamp }]));
        return { key: row.key, method: 'insert', data: { count: family(row.count), sum: family(row.sum) } };
      });
      const request: Promise<void> = table
        .mutate(entries)
        .then(() => undefined)
        .catch((err: unknown) => {
          firstFailure ??= err;
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      rethrowFailure();
    },

    /** Waits for every queued write; throws the first failure. */
    async flush(): Promise<void> {
      await Promise.all(inFlight);
      rethrowFailure();
    },
  };
}

export type IoService = Awaited<ReturnType<typeof createService>>;
