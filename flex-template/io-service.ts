/**
 * The pipeline's async I/O (object store + Bigtable), run on a worker_thread behind
 * blocking-client.ts so synchronous DoFns can use it. Loaded by the thread, never by a DoFn directly.
 */
import type {Storage} from '@google-cloud/storage';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import {createBigtableClient} from '../core/bigtable/client';
import {mutateEntries} from '../core/bigtable/mutate-entries';
import type {EncodedEntries} from '../core/bigtable/mutate-rows-wire';
import {loadedDateFilter, loadedDateOf} from '../core/bigtable/summary-row';
import {defaultResources} from '../core/resources';
import {openObjectStore} from '../core/storage/open';
import type {ObjectStore} from '../core/storage/object-store';
import {dayOfSummaryFile} from '../core/summary-csv';
import {transferred, type Transferred} from './blocking-client';
import {summaryTableOf} from './summary-table';
import {releaseBytes} from '../core/release-bytes';

export interface IoConfig {
  input: string;
  errorsPrefix: string;
  bigtable: {project: string; instance: string; table: string};
  /** Cloud Storage API endpoint override (fake-gcs-server needs it for uploads); unset on GCP. */
  storageApiEndpoint?: string;
  /** Row mutations in flight at once (the emulator and the service both dislike unbounded). */
  maxInFlight?: number;
  /**
   * Requests queued behind those in flight before enqueueEntries blocks its caller. A request is
   * its encoded bytes only (~0.3 MB for a chunk of 64 rows), so the caller may run well ahead.
   */
  maxWaitingWrites?: number;
}

export interface SummaryFile {
  name: string;
  date: string;
  /** The object's version (Cloud Storage generation): a restated day's file gets a new one. */
  version: string;
}

export interface LoadedDate {
  date: string;
  /** Undefined for a row loaded before rows recorded their file's version. */
  version: string | undefined;
}

export interface InputListing {
  /** False when the input location does not exist (a local directory that is not there, or a
   * Cloud Storage prefix with no object at all under it). */
  found: boolean;
  files: SummaryFile[];
  /** Names under the input that are not summary files (the errors prefix aside). */
  skipped: string[];
}

/**
 * Files' contents laid end to end: file i is `bytes[ends[i - 1] ?? 0, ends[i])`. One buffer, so a
 * chunk of files crosses to the caller's thread as one transfer instead of a copy per text.
 */
export interface FileBytes {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/** Summary rows already in MutateRows wire format, as they cross from the caller's thread. */
export interface EncodedRows {
  bytes: Uint8Array;
  ends: Uint32Array;
}

export type LeaseResult =
  {acquired: true} | {acquired: false; holder: string; since: string};

/** The column of a table's load lease row in pipeline_state: the holder's run id, written at take. */
export const LEASE_COLUMN = 'holder';

/** A local directory that exists. Cloud Storage has no folders: a prefix exists when an object is under it. */
async function locationExists(location: string): Promise<boolean> {
  if (!location.startsWith('gs://')) {
    return (await import('node:fs')).promises.stat(location).then(
      s => s.isDirectory(),
      () => false,
    );
  }
  return false;
}

/** Clients and write state for one configuration (input, errors prefix, table). */
export function openIo(config: IoConfig) {
  let storage: Storage | undefined;
  // Loaded on first use: a local-directory input never pays for the Cloud Storage client.
  const storageClient = (): Storage => {
    if (!storage) {
      const {Storage: StorageClient} =
        require('@google-cloud/storage') as typeof import('@google-cloud/storage');
      storage = new StorageClient(
        config.storageApiEndpoint
          ? {apiEndpoint: config.storageApiEndpoint}
          : {},
      );
    }
    return storage;
  };
  const input: ObjectStore = openObjectStore(config.input, storageClient);
  const errors: ObjectStore = openObjectStore(
    config.errorsPrefix,
    storageClient,
  );
  // One client (one channel, one set of credentials) for both tables.
  const instance = createBigtableClient({
    projectId: config.bigtable.project,
  }).instance(config.bigtable.instance);
  const table = instance.table(config.bigtable.table);
  const schema = summaryTableOf(config.bigtable);
  const stateSchema = defaultResources(config.bigtable.project).bigtable.state;
  const stateTable = instance.table(stateSchema.id);
  const stateFamily = stateSchema.families.state;
  const leaseKey = `flex_load_lease#${config.bigtable.table}`;
  const writes = new PQueue({concurrency: config.maxInFlight ?? 4});
  const maxWaiting = config.maxWaitingWrites ?? 16;
  let firstFailure: unknown;
  // Read-ahead (prefetch): the files still to read ahead, in order, and the reads started and not
  // yet taken, at most `window` of them.
  let toRead: string[] = [];
  let nextToRead = 0;
  let window = 0;
  const ahead = new Map<string, Promise<Buffer>>();
  /** Names read without read-ahead since it started: it passes over them. */
  const readDirectly = new Set<string>();
  const readOne = (name: string): Promise<Buffer> => input.read(name);
  const readAhead = (): void => {
    while (ahead.size < window && nextToRead < toRead.length) {
      const name = toRead[nextToRead++]!;
      if (readDirectly.delete(name)) continue;
      const read = readOne(name);
      read.catch(() => undefined); // its failure is thrown to the reader that takes it
      ahead.set(name, read);
    }
  };

  function rethrowFailure(): void {
    if (firstFailure !== undefined) {
      const failure = firstFailure;
      firstFailure = undefined;
      throw failure;
    }
  }

  return {
    /**
     * Readies the Bigtable connection (the data client, its channel, credentials) with a read of
     * the lease row that changes nothing, so the first real call does not pay for it.
     */
    async warmUp(): Promise<void> {
      await stateTable.getRows({
        keys: [leaseKey],
        filter: [{column: LEASE_COLUMN}, {column: {cellLimit: 1}}],
      });
    },

    /** Summary files directly under the input prefix, by date, and the names that are not. */
    async listSummaryFiles(): Promise<InputListing> {
      const files: SummaryFile[] = [];
      const skipped: string[] = [];
      const listed = await input.listVersions();
      // The default errors prefix (<input>errors/) sits under the input: its reports are not input.
      const errorsUnder = config.errorsPrefix.startsWith(config.input)
        ? config.errorsPrefix.slice(config.input.length)
        : undefined;
      for (const {name, version} of listed) {
        if (errorsUnder && name.startsWith(errorsUnder)) continue;
        const date = name.includes('/') ? undefined : dayOfSummaryFile(name);
        if (date) files.push({name, date, version});
        else if (name !== '') skipped.push(name);
      }
      const found = listed.length > 0 || (await locationExists(config.input));
      return {
        found,
        files: files.sort((a, b) => a.date.localeCompare(b.date)),
        skipped,
      };
    },

    /**
     * Takes the load lease of this table for `holder` unless another holder took it less than
     * `ttlMs` ago: one atomic check-and-mutate on its pipeline_state row, so of two launches at
     * once exactly one gets it.
     */
    async acquireLoadLease(
      holder: string,
      ttlMs: number,
    ): Promise<LeaseResult> {
      const row = stateTable.row(leaseKey);
      const now = Date.now();
      const live = [
        {family: stateFamily},
        {column: LEASE_COLUMN},
        {time: {start: new Date(now - ttlMs), end: new Date(now + 3_600_000)}},
      ];
      const [matched] = await row.filter(live, {
        onNoMatch: [
          {
            method: 'insert',
            data: {
              [stateFamily]: {
                [LEASE_COLUMN]: {value: holder, timestamp: new Date(now)},
              },
            },
          },
        ],
      });
      if (!matched) return {acquired: true};
      const [rows] = await stateTable.getRows({
        keys: [leaseKey],
        filter: [{column: LEASE_COLUMN}, {column: {cellLimit: 1}}],
      });
      const cell = rows[0]?.data?.[stateFamily]?.[LEASE_COLUMN]?.[0] as
        {value: string; timestamp: string} | undefined;
      return {
        acquired: false,
        holder: cell?.value ?? 'unknown',
        since: cell
          ? new Date(Number(cell.timestamp) / 1000).toISOString()
          : 'unknown',
      };
    },

    /** Gives the lease back if `holder` still has it. */
    async releaseLoadLease(holder: string): Promise<void> {
      const ours = [
        {family: stateFamily},
        {column: LEASE_COLUMN},
        {value: holder.replace(/[^A-Za-z0-9_]/g, c => `\\${c}`)},
      ];
      await stateTable.row(leaseKey).filter(ours, {
        onMatch: [{method: 'delete', data: [`${stateFamily}:${LEASE_COLUMN}`]}],
      });
    },

    /**
     * Which of `dates` are loaded: their row has `count:threshold_signal`. A row is written in one
     * entry, so one with its signal is a whole file's; a row without one came from a file whose
     * TOTAL,ALL line was bad, and stays selected until a corrected file is loaded. Each with the
     * version of the file it came from, so that auto reloads a date whose file was restated.
     */
    async loadedDates(dates: string[]): Promise<LoadedDate[]> {
      if (dates.length === 0) return [];
      const sorted = [...dates].sort();
      const wanted = new Set(sorted);
      const [rows] = await table.getRows({
        ranges: [{start: sorted[0]!, end: sorted[sorted.length - 1]!}],
        filter: loadedDateFilter(schema),
      });
      return rows.flatMap(row => {
        const {loaded, version} = loadedDateOf(row, schema);
        return wanted.has(row.id) && loaded ? [{date: row.id, version}] : [];
      });
    },

    /**
     * Starts reading `names` in this order in the background, keeping at most `files` of them
     * read (or being read) and not yet taken by readFiles, so reading overlaps the caller's work
     * between calls with a bounded amount held. A name never asked for keeps its place.
     */
    async prefetch(names: string[], files: number): Promise<void> {
      toRead = names;
      nextToRead = 0;
      window = files;
      readDirectly.clear();
      readAhead();
    },

    /**
     * Reads several objects at once (at most `concurrency` requests outstanding), in order, into
     * one buffer handed over to the caller; a name already read ahead is taken from there.
     */
    async readFiles(
      names: string[],
      concurrency = 16,
    ): Promise<Transferred<FileBytes>> {
      const reads = new Array<Promise<Buffer>>(names.length);
      const direct: number[] = [];
      for (const [i, name] of names.entries()) {
        const read = ahead.get(name);
        if (read) {
          ahead.delete(name);
          reads[i] = read;
        } else {
          direct.push(i);
          if (window > 0) readDirectly.add(name);
        }
      }
      readAhead();
      const limit = pLimit(concurrency);
      for (const i of direct) reads[i] = limit(() => readOne(names[i]!));
      const contents = await Promise.all(reads);
      const ends = new Uint32Array(contents.length);
      let total = 0;
      for (const [i, content] of contents.entries())
        ends[i] = total += content.length;
      // Its own memory (not the shared pool's): it is transferred.
      const bytes = new Uint8Array(total);
      for (const [i, content] of contents.entries()) {
        bytes.set(content, i === 0 ? 0 : ends[i - 1]!);
        releaseBytes(content);
      }
      return transferred({bytes, ends}, [bytes.buffer, ends.buffer]);
    },

    async writeErrors(name: string, text: string): Promise<string> {
      await errors.write(name, text);
      return `${errors.location}${errors.location.endsWith('/') ? '' : '/'}${name}`;
    },

    /**
     * Queues a request of rows encoded by the caller (encodeSummaryRows) and returns once fewer
     * than maxWaitingWrites requests wait for a turn (at most maxInFlight are outstanding).
     */
    async enqueueEntries(rows: EncodedRows): Promise<void> {
      rethrowFailure();
      if (rows.ends.length === 0) return;
      const entries: EncodedEntries = {
        bytes: Buffer.from(
          rows.bytes.buffer,
          rows.bytes.byteOffset,
          rows.bytes.byteLength,
        ),
        ends: rows.ends,
      };
      void writes
        .add(() => mutateEntries(table, entries))
        .then(() => releaseBytes(rows.bytes))
        .catch((err: unknown) => {
          firstFailure ??= err;
        });
      await writes.onSizeLessThan(maxWaiting);
      rethrowFailure();
    },

    /** Waits for every queued write; throws the first failure. */
    async flush(): Promise<void> {
      await writes.onIdle();
      rethrowFailure();
    },
  };
}

type Io = ReturnType<typeof openIo>;

/** What pipeline.ts calls through the blocking client (each method takes the I/O configuration first). */
export type IoService = ReturnType<typeof createService>;

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
    warmUp: (config: IoConfig) => ioFor(config).warmUp(),
    listSummaryFiles: (config: IoConfig) => ioFor(config).listSummaryFiles(),
    loadedDates: (config: IoConfig, dates: string[]) =>
      ioFor(config).loadedDates(dates),
    acquireLoadLease: (config: IoConfig, holder: string, ttlMs: number) =>
      ioFor(config).acquireLoadLease(holder, ttlMs),
    releaseLoadLease: (config: IoConfig, holder: string) =>
      ioFor(config).releaseLoadLease(holder),
    prefetch: (config: IoConfig, names: string[], files: number) =>
      ioFor(config).prefetch(names, files),
    readFiles: (config: IoConfig, names: string[]) =>
      ioFor(config).readFiles(names),
    writeErrors: (config: IoConfig, name: string, text: string) =>
      ioFor(config).writeErrors(name, text),
    enqueueEntries: (config: IoConfig, rows: EncodedRows) =>
      ioFor(config).enqueueEntries(rows),
    flush: (config: IoConfig) => ioFor(config).flush(),
  };
}
