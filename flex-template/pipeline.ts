/**
 * The Beam pipeline: select the summary files to load, load each into one Bigtable row, dead-letter
 * the bad lines, fail when nothing valid came in.
 *
 * Every DoFn is an instance of an exported class registered with requireForSerialization: Beam
 * serializes instances with their plain-data fields and finds the class by name on the worker,
 * where this module is required again (workers need the same absolute path and tsx loaded).
 * All I/O goes through the one blocking client (blocking-client.ts) to io-service.ts.
 */
import * as beam from 'apache-beam';
import {requireForSerialization} from 'apache-beam/serialization';
import {createLogger} from '../core/log';
import {ioThread} from './io-thread';
import {
  SOURCE_VERSION_COLUMN,
  type SummaryCells,
  encodeSummaryRows,
} from '../core/bigtable/summary-row';
import {sliceEntries} from '../core/bigtable/mutate-rows-wire';
import {
  dailySummaryLoad,
  encodeDeadLetters,
  type DeadLetter,
  type Thresholds,
} from './daily-summary-row';
import {ownArrayBuffer, type Transferred} from './blocking-client';
import type {IoConfig, IoService, SummaryFile} from './io-service';
import {summaryTableOf} from './summary-table';
import type {DatesSelection} from './options';

export interface PipelineConfig {
  io: IoConfig;
  dates: DatesSelection;
  thresholds: Thresholds;
  /** Names this run's dead-letter folder under the errors prefix. */
  runId: string;
  /** Rows per Bigtable MutateRows request, at most (a request never spans two chunks). */
  writeBatchRows: number;
  /** Files per chunk: the unit spread over workers, read concurrently, and passed on as one element. */
  readChunkFiles: number;
  /**
   * Files the I/O thread reads ahead of LoadSummaryFiles, in the selected order (0: none). Only
   * where one process runs every step (the direct runner); elsewhere chunks go to other workers.
   */
  readAheadFiles: number;
  /** How long an auto run's load lease holds if the run dies without giving it back. */
  leaseTtlMs: number;
}

export interface FileDeadLetters {
  file: string;
  date: string;
  deadLetters: DeadLetter[];
}

export interface FileStats {
  files: number;
  validRows: number;
  rejectedRows: number;
  /** Files not loaded because a line of theirs was rejected. */
  rejectedFiles: string[];
}

/** What loading one chunk of files yields: one element, so the runner's work is per chunk, not per file. */
export interface ChunkOutcome {
  /** A row per loaded file. */
  summaries: SummaryCells[];
  /** Per file with bad lines. */
  deadLetters: FileDeadLetters[];
  stats: FileStats;
}

/** Summary files with a rejected line: not loaded, their lines dead-lettered; the run fails. */
export class RejectedSummaryFilesError extends Error {
  readonly code = 'FLEX_REJECTED_FILES';
}

export class MissingInputError extends Error {
  readonly code = 'FLEX_MISSING_INPUT';
}

export class MissingSummaryFileError extends Error {
  readonly code = 'FLEX_MISSING_FILE';
}

const log = createLogger('flex-template');

/** io-service.ts's methods, synchronous, with this pipeline's I/O configuration as their first argument. */
type PipelineIo = {
  [K in keyof IoService]: IoService[K] extends (
    config: IoConfig,
    ...args: infer A
  ) => Promise<infer R>
    ? (...args: A) => R extends Transferred<infer T> ? T : R
    : never;
};

/** The I/O service for this pipeline's configuration; `transfer`: the buffers the call hands over. */
function ioOf(config: PipelineConfig, transfer?: ArrayBuffer[]): PipelineIo {
  const thread = ioThread();
  const service = transfer ? thread.transferring(transfer) : thread.service;
  return new Proxy({} as PipelineIo, {
    get:
      (_, method: keyof IoService) =>
      (...args: unknown[]) =>
        (service[method] as (...a: unknown[]) => unknown)(config.io, ...args),
  });
}

type Counted = {increment(n?: number): void};

/** Files to load together: a chunk is spread over workers as a whole, its files read at once. */
export interface FileChunk {
  chunk: number;
  files: SummaryFile[];
}

/** Names of skipped files shown in the log (the count is always whole). */
const SKIPPED_SHOWN = 20;

/**
 * Lists the input and keeps the files to load: the named dates, or (auto) dates not yet in
 * Bigtable. An auto run first takes the table's load lease, so a second launch while one runs
 * selects nothing; the lease is given back by ReportRun (or here, when nothing is selected), and
 * lapses after `leaseTtlMs` if a run dies holding it.
 */
export class SelectSummaryFiles implements beam.DoFn<
  unknown,
  FileChunk,
  {selected: Counted}
> {
  constructor(readonly config: PipelineConfig) {}

  process(_: unknown, context: {selected: Counted}): FileChunk[] {
    const io = ioOf(this.config);
    const input = this.config.io.input;
    const auto = this.config.dates.kind === 'auto';
    if (auto) {
      const lease = io.acquireLoadLease(
        this.config.runId,
        this.config.leaseTtlMs,
      );
      if (!lease.acquired) {
        log.warn(
          {holder: lease.holder, since: lease.since},
          `another auto load (run ${lease.holder}, since ${lease.since}) is loading ${this.config.io.bigtable.table}: nothing selected`,
        );
        return [];
      }
    }
    const listing = io.listSummaryFiles();
    if (!listing.found) {
      if (auto) io.releaseLoadLease(this.config.runId);
      throw new MissingInputError(
        `the input location ${input} does not exist (no directory, or no object under the prefix)`,
      );
    }
    if (listing.skipped.length > 0) {
      const shown = listing.skipped.slice(0, SKIPPED_SHOWN);
      log.warn(
        {input, skipped: listing.skipped.length, names: shown},
        `${listing.skipped.length} name(s) under ${input} are not summary files (Financial_transaction_daily_summary_yyyy-mm-dd.csv directly under it) and were skipped: ${shown.join(', ')}${listing.skipped.length > shown.length ? ', ...' : ''}`,
      );
    }
    const files = listing.files;
    if (files.length === 0) log.warn({input}, `no summary file under ${input}`);
    let chosen: SummaryFile[];
    if (this.config.dates.kind === 'dates') {
      const byDate = new Map(files.map(f => [f.date, f]));
      const missing = this.config.dates.dates.filter(d => !byDate.has(d));
      if (missing.length > 0) {
        throw new MissingSummaryFileError(
          `no summary file under ${input} for ${missing.join(', ')}`,
        );
      }
      chosen = this.config.dates.dates.map(d => byDate.get(d)!);
    } else {
      // New dates, and dates whose file is not the version their row was loaded from (restated).
      const loaded = new Map(
        io.loadedDates(files.map(f => f.date)).map(l => [l.date, l.version]),
      );
      chosen = files.filter(
        f => !loaded.has(f.date) || loaded.get(f.date) !== f.version,
      );
      if (chosen.length === 0) io.releaseLoadLease(this.config.runId);
    }
    if (this.config.readAheadFiles > 0)
      io.prefetch(
        chosen.map(f => f.name),
        this.config.readAheadFiles,
      );
    context.selected.increment(chosen.length);
    log.info(
      {
        selected: chosen.length,
        files: files.length,
        dates: this.config.dates.kind,
      },
      `${chosen.length} of ${files.length} summary files selected (${this.config.dates.kind})`,
    );
    const chunks: FileChunk[] = [];
    for (let i = 0; i < chosen.length; i += this.config.readChunkFiles)
      chunks.push({
        chunk: chunks.length,
        files: chosen.slice(i, i + this.config.readChunkFiles),
      });
    return chunks;
  }
}

/** Reads a chunk of files in one concurrent read, then validates each (after the group-by-chunk that spreads chunks over workers). */
export class LoadSummaryFiles implements beam.DoFn<
  {key: number; value: Iterable<FileChunk>},
  ChunkOutcome,
  {valid: Counted; rejected: Counted}
> {
  constructor(readonly config: PipelineConfig) {}

  process(
    group: {key: number; value: Iterable<FileChunk>},
    context: {valid: Counted; rejected: Counted},
  ): ChunkOutcome[] {
    const out: ChunkOutcome[] = [];
    for (const {files} of group.value) {
      const read = ioOf(this.config).readFiles(files.map(f => f.name));
      const contents = Buffer.from(
        read.bytes.buffer,
        read.bytes.byteOffset,
        read.bytes.byteLength,
      );
      const outcome: ChunkOutcome = {
        summaries: [],
        deadLetters: [],
        stats: {files: 0, validRows: 0, rejectedRows: 0, rejectedFiles: []},
      };
      for (const [i, file] of files.entries()) {
        const text = contents.toString(
          'utf8',
          i === 0 ? 0 : read.ends[i - 1]!,
          read.ends[i]!,
        );
        const load = dailySummaryLoad(
          file.name,
          file.date,
          text,
          this.config.thresholds,
        );
        if (load.cells) {
          load.cells.count[SOURCE_VERSION_COLUMN] = file.version;
          outcome.summaries.push(load.cells);
        } else outcome.stats.rejectedFiles.push(file.name);
        if (load.deadLetters.length > 0)
          outcome.deadLetters.push({
            file: file.name,
            date: file.date,
            deadLetters: load.deadLetters,
          });
        outcome.stats.files++;
        outcome.stats.validRows += load.validRows;
        outcome.stats.rejectedRows += load.deadLetters.filter(
          d => d.line > 0,
        ).length;
      }
      context.valid.increment(outcome.stats.validRows);
      context.rejected.increment(outcome.stats.rejectedRows);
      out.push(outcome);
    }
    return out;
  }
}

/**
 * Writes what loading a chunk yielded: its summary rows, encoded here into MutateRows entries and
 * handed to the I/O thread as bytes, in requests of at most writeBatchRows rows (finishBundle
 * waits until every write of the bundle landed); one dead-letter CSV per file with bad lines
 * (<errors prefix><runId>/<file>.errors.csv); and passes the stats on. ReportRun sees the stats
 * only after their bundle finished, so its verdict comes after every write.
 */
export class WriteOutcomes implements beam.DoFn<
  ChunkOutcome,
  FileStats,
  {written: Counted}
> {
  constructor(readonly config: PipelineConfig) {}

  process(outcome: ChunkOutcome, context: {written: Counted}): FileStats[] {
    if (outcome.summaries.length > 0) {
      const entries = encodeSummaryRows(
        outcome.summaries,
        summaryTableOf(this.config.io.bigtable),
      );
      const rows = outcome.summaries.length;
      for (let i = 0; i < rows; i += this.config.writeBatchRows) {
        const request =
          rows <= this.config.writeBatchRows
            ? entries
            : sliceEntries(entries, i, i + this.config.writeBatchRows);
        const bytes = ownArrayBuffer(request.bytes);
        const ends = ownArrayBuffer(request.ends);
        ioOf(this.config, [bytes, ends]).enqueueEntries({
          bytes: new Uint8Array(bytes),
          ends: new Uint32Array(ends),
        });
      }
      context.written.increment(rows);
    }
    for (const letters of outcome.deadLetters) {
      const name = `${this.config.runId}/${letters.file.replace(/\.csv$/, '')}.errors.csv`;
      const where = ioOf(this.config).writeErrors(
        name,
        encodeDeadLetters(letters.deadLetters),
      );
      log.warn(
        {
          file: letters.file,
          badLines: letters.deadLetters.length,
          deadLetters: where,
        },
        `${letters.deadLetters.length} bad line(s) in ${letters.file}, written to ${where}`,
      );
    }
    return [outcome.stats];
  }

  finishBundle(): void {
    ioOf(this.config).flush();
  }
}

/**
 * The run's report: totals, the lease given back, and a failure naming every file that was not
 * loaded because a line of it was rejected.
 */
export class ReportRun implements beam.DoFn<
  Iterable<FileStats>,
  FileStats,
  undefined
> {
  constructor(readonly config: PipelineConfig) {}

  process(all: Iterable<FileStats>): FileStats[] {
    const total: FileStats = {
      files: 0,
      validRows: 0,
      rejectedRows: 0,
      rejectedFiles: [],
    };
    for (const s of all) {
      total.files += s.files;
      total.validRows += s.validRows;
      total.rejectedRows += s.rejectedRows;
      total.rejectedFiles.push(...s.rejectedFiles);
    }
    const loaded = total.files - total.rejectedFiles.length;
    log.info(
      {
        files: total.files,
        loaded,
        rejectedFiles: total.rejectedFiles.length,
        validRows: total.validRows,
        rejectedRows: total.rejectedRows,
      },
      `${total.files} file(s): ${loaded} loaded, ${total.rejectedFiles.length} rejected; ${total.validRows} valid row(s), ${total.rejectedRows} rejected row(s)`,
    );
    if (this.config.dates.kind === 'auto')
      ioOf(this.config).releaseLoadLease(this.config.runId);
    if (total.rejectedFiles.length > 0) {
      const names = total.rejectedFiles.sort();
      throw new RejectedSummaryFilesError(
        `${names.length} of ${total.files} summary file(s) had rejected lines and were not loaded (a row loaded before stays): ${names.join(', ')}; their lines are under ${this.config.io.errorsPrefix}${this.config.runId}/`,
      );
    }
    return [total];
  }
}

export function summaryLoadPipeline(
  config: PipelineConfig,
): (root: beam.Root) => void {
  return (root: beam.Root) => {
    const chunks: beam.PCollection<FileChunk> = root
      .apply(beam.withName('Start', beam.create([null])))
      .apply(
        beam.withName(
          'SelectSummaryFiles',
          beam.parDo(new SelectSummaryFiles(config), {
            selected: beam.counter('files_selected'),
          }),
        ),
      );
    const outcomes: beam.PCollection<ChunkOutcome> = chunks
      .apply(
        beam.withName('SpreadChunks', beam.groupBy<FileChunk, number>('chunk')),
      )
      .apply(
        beam.withName(
          'LoadSummaryFiles',
          beam.parDo(new LoadSummaryFiles(config), {
            valid: beam.counter('rows_valid'),
            rejected: beam.counter('rows_rejected'),
          }),
        ),
      );
    outcomes
      .apply(
        beam.withName(
          'WriteOutcomes',
          beam.parDo(new WriteOutcomes(config), {
            written: beam.counter('dates_written'),
          }),
        ),
      )
      .apply(beam.withName('AllStats', beam.groupGlobally<FileStats>()))
      .apply(beam.withName('ReportRun', beam.parDo(new ReportRun(config))));
  };
}

requireForSerialization(__filename, {
  SelectSummaryFiles,
  LoadSummaryFiles,
  WriteOutcomes,
  ReportRun,
  RejectedSummaryFilesError,
  MissingInputError,
  MissingSummaryFileError,
});
