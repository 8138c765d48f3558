/**
 * The pipeline's async I/O (object store + Bigtable), run on a worker_thread behind
 * blocking-client.ts so synchronous DoFns can use it. Loaded by the thread, never by a DoFn directly.
 */
import type { Storage } from '@google-cloud/storage';
import { createBigtableClient } from '../core/bigtable/client';
import { mutateEntries } from '../core/bigtable/mutate-entries';
import { loadedDateFilter, type SummaryCells, summaryRowEntry } from '../core/bigtable/summary-row';
import { defaultResources } from '../core/resources';
import { openObjectStore } from '../core/storage/open';
import type { ObjectStore } from '../core/storage/object-store';
import { dayOfSummaryFile } from '../core/summary-csv';

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

/** Clients and write state for one configuration (input, errors prefix, table). */
export function openIo(config: IoConfig) {
  let storage: Storage | undefined;
  // Loaded on first use: a local-directory input never pays for the Cloud Storage client.
  const storageClient = (): Storage => {
    if (!storage) {
      const { Storage: StorageClient } = require('@google-cloud/storage') as typeof import('@google-cloud/storage');
      storage = new StorageClient(config.storageApiEndpoint ? { apiEndpoint: config.storageApiEndpoint } : {});
    }
    return storage;
  };
  const input: ObjectStore = openObjectStore(config.input, storageClient);
  const errors: ObjectStore = openObjectStore(config.errorsPrefix, storageClient);
  const table = createBigtableClient({ projectId: config.bigtable.project }).instance(config.bigtable.instance).table(config.bigtable.table);
  const schema = { ...defaultResources(config.bigtable.project).bigtable.summaries, id: config.bigtable.table };
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

    /**
     * Which of `dates` are loaded: their row has `count:threshold_signal`. A row is written in one
     * entry, so one with its signal is a whole file's; a row without one came from a file whose
     * TOTAL,ALL line was bad, and stays selected until a corrected file is loaded.
     */
    async loadedDates(dates: string[]): Promise<string[]> {
      if (dates.length === 0) return [];
      const sorted = [...dates].sort();
      const wanted = new Set(sorted);
      const [rows] = await table.getRows({
        ranges: [{ start: sorted[0]!, end: sorted[sorted.length - 1]! }],
        filter: loadedDateFilter(schema),
      });
      return rows.map((row) => row.id).filter((id) => wanted.has(id));
    },

    async readText(name: string): Promise<string> {
      return (await input.read(name)).toString('utf8');
    },

    /** Reads several objects at once (at most `concurrency` requests outstanding), in order. */
    async readTexts(names: string[], concurrency = 16): Promise<string[]> {
      const texts = new Array<string>(names.length);
      let next = 0;
      const worker = async () => {
        while (next < names.length) {
          const i = next++;
          texts[i] = (await input.read(names[i]!)).toString('utf8');
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
      return texts;
    },

    async writeErrors(name: string, text: string): Promise<string> {
      await errors.write(name, text);
      return `${errors.location}${errors.location.endsWith('/') ? '' : '/'}${name}`;
    },

    /**
     * Queues rows for writing (see summaryRowEntry) and returns once fewer than maxInFlight
     * requests are outstanding.
     */
    async enqueueRows(rows: SummaryCells[]): Promise<void> {
      rethrowFailure();
      if (rows.length === 0) return;
      const entries = rows.map((row) => summaryRowEntry(row, schema));
      const request: Promise<void> = mutateEntries(table, entries)
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

type Io = ReturnType<typeof openIo>;

/**
 * The service the blocking client hosts: one per process (so a Beam worker loads the Google
 * clients once), with an Io per configuration, opened on first use.
 */
export function createService() {
  const opened = new Map<string, Io>();
  const ioFor = (config: IoConfig): Io => {
    const key = JSON.stringify(config);
    let io = opened.get(key);
    if (!io) {
      io = openIo(config);
      opened.set(key, io);
    }
    return io;
  };
  return {
    listSummaryFiles: (config: IoConfig) => ioFor(config).listSummaryFiles(),
    loadedDates: (config: IoConfig, dates: string[]) => ioFor(config).loadedDates(dates),
    readText: (config: IoConfig, name: string) => ioFor(config).readText(name),
    readTexts: (config: IoConfig, names: string[]) => ioFor(config).readTexts(names),
    writeErrors: (config: IoConfig, name: string, text: string) => ioFor(config).writeErrors(name, text),
    enqueueRows: (config: IoConfig, rows: SummaryCells[]) => ioFor(config).enqueueRows(rows),
    flush: (config: IoConfig) => ioFor(config).flush(),
  };
}
