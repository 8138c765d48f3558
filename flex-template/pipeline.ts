/**
 * The Beam pipeline: select the summary files to load, load each into one Bigtable row, dead-letter
 * the bad lines, fail when nothing valid came in.
 *
 * Every DoFn is an instance of an exported class registered with requireForSerialization: Beam
 * serializes instances with their plain-data fields and finds the class by name on the worker,
 * where this module is required again (workers need the same absolute path and tsx loaded).
 * All I/O goes through the one blocking client (blocking-client.ts) to io-service.ts.
 */
// The parts of Beam the pipeline uses, not its index (which loads every IO and runner: 633
// modules against 253). pvalue first: Beam's transforms module needs it loaded (its index's order).
import type {PCollection, Root} from 'apache-beam/pvalue';
import 'apache-beam/pvalue';
import * as beam from 'apache-beam/transforms';
import {requireForSerialization} from 'apache-beam/serialization';
import {createLogger} from '../core/log';
import {ioThread} from './io-thread';
import {
  SOURCE_VERSION_COLUMN,
  type SummaryCells,
  encodeSummaryRow,
} from '../core/bigtable/summary-row';
import {EntriesWriter} from '../core/bigtable/mutate-rows-wire';
import {
  dailySummaryLoad,
  encodeDeadLetters,
  type DeadLetter,
  type Thresholds,
} from './daily-summary-row';
import type {Transferred} from './blocking-client';
import type {IoConfig, IoService, SummaryFile} from './io-service';
import {summaryTableOf} from './summary-table';
import {releaseBytes} from '../core/release-bytes';
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

/**
 * What loading files yields: a loaded file's row, a file's dead letters, and per chunk of files
 * its stats (so what follows the write sees one element per chunk, not per file).
 */
export type FileOutcome =
  {summary: SummaryCells} | {deadLetters: FileDeadLetters} | {stats: FileStats};

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

/**
 * Reads a chunk of files in one concurrent read, then validates each (after the group-by-chunk
 * that spreads chunks over workers). A generator: each file's outcome goes on to WriteOutcomes as
 * soon as it is parsed, so no file's cells outlive the next file's parse.
 */
export class LoadSummaryFiles implements beam.DoFn<
  {key: number; value: Iterable<FileChunk>},
  FileOutcome,
  {valid: Counted; rejected: Counted}
> {
  constructor(readonly config: PipelineConfig) {}

  *process(
    group: {key: number; value: Iterable<FileChunk>},
    context: {valid: Counted; rejected: Counted},
  ): Generator<FileOutcome> {
    for (const {files} of group.value) {
      const read = ioOf(this.config).readFiles(files.map(f => f.name));
      const contents = Buffer.from(
        read.bytes.buffer,
        read.bytes.byteOffset,
        read.bytes.byteLength,
      );
      const stats: FileStats = {
        files: 0,
        validRows: 0,
        rejectedRows: 0,
        rejectedFiles: [],
      };
      for (const [i, file] of files.entries()) {
        const load = dailySummaryLoad(
          file.name,
          file.date,
          contents.toString(
            'utf8',
            i === 0 ? 0 : read.ends[i - 1]!,
            read.ends[i]!,
          ),
          this.config.thresholds,
        );
        stats.files++;
        stats.validRows += load.validRows;
        const rejectedRows = load.deadLetters.filter(d => d.line > 0).length;
        stats.rejectedRows += rejectedRows;
        context.valid.increment(load.validRows);
        context.rejected.increment(rejectedRows);
        if (load.cells) {
          load.cells.count[SOURCE_VERSION_COLUMN] = file.version;
          yield {summary: load.cells};
        } else stats.rejectedFiles.push(file.name);
        if (load.deadLetters.length > 0)
          yield {
            deadLetters: {
              file: file.name,
              date: file.date,
              deadLetters: load.deadLetters,
            },
          };
      }
      releaseBytes(read.bytes);
      yield {stats};
    }
  }
}

/**
 * Writes what loading yielded: each summary row is encoded into its MutateRows entry as it
 * arrives (its cells die young; only bytes wait), and every writeBatchRows rows go to the I/O
 * thread as one request's bytes, handed over without a copy (finishBundle sends the rest and waits
 * until every write of the bundle landed); one dead-letter CSV per file with bad lines
 * (<errors prefix><runId>/<file>.errors.csv); the stats pass on. ReportRun sees the stats only
 * after their bundle finished, so its verdict comes after every write.
 */
export class WriteOutcomes implements beam.DoFn<
  FileOutcome,
  FileStats,
  {written: Counted}
> {
  // Made per bundle, not at construction: Beam serializes the DoFn with its fields.
  private rows?: EntriesWriter;

  constructor(readonly config: PipelineConfig) {}

  startBundle(): void {
    this.rows = new EntriesWriter();
  }

  process(outcome: FileOutcome, context: {written: Counted}): FileStats[] {
    if ('summary' in outcome) {
      encodeSummaryRow(
        outcome.summary,
        summaryTableOf(this.config.io.bigtable),
        this.rows!,
      );
      // Let go of the cells now that they are bytes: the direct runner keeps an element reachable
      // past its process() long enough for V8 to promote ~6 KB of cells a file (measured: main's
      // promotion 86 -> 26 MB at 10,000 files). WriteOutcomes is this collection's only consumer.
      (outcome as {summary?: SummaryCells}).summary = undefined;
      if (this.rows!.size >= this.config.writeBatchRows) this.send(context);
      return [];
    }
    if ('deadLetters' in outcome) {
      const letters = outcome.deadLetters;
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
      return [];
    }
    return [outcome.stats];
  }

  finishBundle(context: {written: Counted}): void {
    this.send(context);
    ioOf(this.config).flush();
  }

  private send(context: {written: Counted}): void {
    const rows = this.rows!.size;
    if (rows === 0) return;
    // Memory of its own (EntriesWriter.take), so handing it over detaches nothing else.
    const request = this.rows!.take();
    const transfer = [
      request.bytes.buffer,
      request.ends.buffer,
    ] as ArrayBuffer[];
    ioOf(this.config, transfer).enqueueEntries(request);
    context.written.increment(rows);
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
): (root: Root) => void {
  return (root: Root) => {
    const chunks: PCollection<FileChunk> = root
      .apply(beam.withName('Start', beam.create([null])))
      .apply(
        beam.withName(
          'SelectSummaryFiles',
          beam.parDo(new SelectSummaryFiles(config), {
            selected: beam.counter('files_selected'),
          }),
        ),
      );
    const outcomes: PCollection<FileOutcome> = chunks
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
