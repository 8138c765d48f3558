/**
 * The Beam pipeline: select the summary files to load, load each into one Bigtable row, dead-letter
 * the bad lines, fail when nothing valid came in.
 *
 * Every DoFn is an instance of an exported class registered with requireForSerialization: Beam
 * serializes instances with their plain-data fields and finds the class by name on the worker,
 * where this module is required again (workers need the same absolute path and tsx loaded).
 * All I/O goes through the one blocking client (blocking-client.ts) to io-service.ts.
 */
import * as path from 'node:path';
import * as beam from 'apache-beam';
import { requireForSerialization } from 'apache-beam/serialization';
import { sharedBlockingClient, type BlockingClient } from './blocking-client';
import type { SummaryCells } from '../core/bigtable/summary-row';
import { dailySummaryLoad, encodeDeadLetters, type DeadLetter, type Thresholds } from './daily-summary-row';
import type { IoConfig, SummaryFile } from './io-service';
import type { DatesSelection } from './options';

export interface PipelineConfig {
  io: IoConfig;
  dates: DatesSelection;
  thresholds: Thresholds;
  /** Names this run's dead-letter folder under the errors prefix. */
  runId: string;
  /** Rows per Bigtable MutateRows request. */
  writeBatchRows: number;
  /** Files per chunk: the unit spread over workers and read concurrently. */
  readChunkFiles: number;
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
}

/** What loading one file yields; split into three PCollections by key. */
export type FileOutcome = { summary: SummaryCells } | { deadLetters: FileDeadLetters } | { stats: FileStats };

export class NoValidInputError extends Error {
  readonly code = 'FLEX_NO_VALID_INPUT';
}

export class MissingSummaryFileError extends Error {
  readonly code = 'FLEX_MISSING_FILE';
}

const IO_SERVICE = path.join(__dirname, 'io-service.ts');

/** io-service.ts methods, called synchronously with this pipeline's I/O configuration. */
class PipelineIo {
  constructor(
    private readonly client: BlockingClient,
    private readonly config: PipelineConfig,
  ) {}

  call<T>(method: string, ...args: unknown[]): T {
    return this.client.call<T>(method, this.config.io, ...args);
  }
}

function ioOf(config: PipelineConfig): PipelineIo {
  return new PipelineIo(sharedBlockingClient(IO_SERVICE, null), config);
}

type Counted = { increment(n?: number): void };

/** A file to load and the chunk it is read with (chunks are spread over workers, files of a chunk read together). */
export interface ChunkedFile extends SummaryFile {
  chunk: number;
}

/** Lists the input and keeps the files to load: the named dates, or (auto) dates not yet in Bigtable. */
export class SelectSummaryFiles implements beam.DoFn<unknown, ChunkedFile, { selected: Counted }> {
  constructor(readonly config: PipelineConfig) {}

  process(_: unknown, context: { selected: Counted }): ChunkedFile[] {
    const io = ioOf(this.config);
    const files = io.call<SummaryFile[]>('listSummaryFiles');
    let chosen: SummaryFile[];
    if (this.config.dates.kind === 'dates') {
      const byDate = new Map(files.map((f) => [f.date, f]));
      const missing = this.config.dates.dates.filter((d) => !byDate.has(d));
      if (missing.length > 0) {
        throw new MissingSummaryFileError(`no summary file under ${this.config.io.input} for ${missing.join(', ')}`);
      }
      chosen = this.config.dates.dates.map((d) => byDate.get(d)!);
    } else {
      const loaded = new Set(io.call<string[]>('loadedDates', files.map((f) => f.date)));
      chosen = files.filter((f) => !loaded.has(f.date));
    }
    context.selected.increment(chosen.length);
    console.info(`flex-template: ${chosen.length} of ${files.length} summary files selected (${this.config.dates.kind})`);
    return chosen.map((file, i) => ({ ...file, chunk: Math.floor(i / this.config.readChunkFiles) }));
  }
}

/** Reads a chunk of files in one concurrent read, then validates each (after the group-by-chunk that spreads chunks over workers). */
export class LoadSummaryFiles implements beam.DoFn<{ key: number; value: Iterable<ChunkedFile> }, FileOutcome, { valid: Counted; rejected: Counted }> {
  constructor(readonly config: PipelineConfig) {}

  process(group: { key: number; value: Iterable<ChunkedFile> }, context: { valid: Counted; rejected: Counted }): FileOutcome[] {
    const files = [...group.value];
    const texts = ioOf(this.config).call<string[]>('readTexts', files.map((f) => f.name));
    const out: FileOutcome[] = [];
    for (const [i, file] of files.entries()) {
      const load = dailySummaryLoad(file.name, file.date, texts[i]!, this.config.thresholds);
      if (load.cells) out.push({ summary: load.cells });
      if (load.deadLetters.length > 0) out.push({ deadLetters: { file: file.name, date: file.date, deadLetters: load.deadLetters } });
      const rejectedRows = load.deadLetters.filter((d) => d.line > 0).length;
      out.push({ stats: { files: 1, validRows: load.validRows, rejectedRows } });
      context.valid.increment(load.validRows);
      context.rejected.increment(rejectedRows);
    }
    return out;
  }
}

/** Writes summary rows in batches; finishBundle waits until every write of the bundle landed. */
export class WriteSummaryRows implements beam.DoFn<SummaryCells, never, { written: Counted }> {
  private buffer: SummaryCells[] = [];

  constructor(readonly config: PipelineConfig) {}

  startBundle(): void {
    this.buffer = [];
  }

  process(row: SummaryCells, context: { written: Counted }): void {
    this.buffer.push(row);
    if (this.buffer.length >= this.config.writeBatchRows) this.send(context);
  }

  finishBundle(context: { written: Counted }): void {
    this.send(context);
    ioOf(this.config).call('flush');
  }

  private send(context: { written: Counted }): void {
    if (this.buffer.length === 0) return;
    ioOf(this.config).call('enqueueRows', this.buffer);
    context.written.increment(this.buffer.length);
    this.buffer = [];
  }
}

/** One dead-letter CSV per input file with bad lines: <errors prefix><runId>/<file>.errors.csv. */
export class WriteDeadLetters implements beam.DoFn<FileDeadLetters, never, undefined> {
  constructor(readonly config: PipelineConfig) {}

  process(letters: FileDeadLetters): void {
    const name = `${this.config.runId}/${letters.file.replace(/\.csv$/, '')}.errors.csv`;
    const where = ioOf(this.config).call<string>('writeErrors', name, encodeDeadLetters(letters.deadLetters));
    console.warn(`flex-template: ${letters.deadLetters.length} bad line(s) in ${letters.file}, written to ${where}`);
  }
}

/** Ends the job with a failure when files were selected but none had a valid line. */
export class FailWithoutValidRows implements beam.DoFn<Iterable<FileStats>, FileStats, undefined> {
  process(all: Iterable<FileStats>): FileStats[] {
    const total: FileStats = { files: 0, validRows: 0, rejectedRows: 0 };
    for (const s of all) {
      total.files += s.files;
      total.validRows += s.validRows;
      total.rejectedRows += s.rejectedRows;
    }
    console.info(`flex-template: ${total.files} file(s), ${total.validRows} valid row(s), ${total.rejectedRows} rejected row(s)`);
    if (total.files > 0 && total.validRows === 0) {
      throw new NoValidInputError(`none of the ${total.files} selected summary file(s) had a valid row (${total.rejectedRows} rejected); see the errors prefix`);
    }
    return [total];
  }
}

export function summaryLoadPipeline(config: PipelineConfig): (root: beam.Root) => void {
  return (root: beam.Root) => {
    const files: beam.PCollection<ChunkedFile> = root
      .apply(beam.withName('Start', beam.create([null])))
      .apply(beam.withName('SelectSummaryFiles', beam.parDo(new SelectSummaryFiles(config), { selected: beam.counter('files_selected') })));
    const outcomes: beam.PCollection<FileOutcome> = files
      .apply(beam.withName('SpreadChunks', beam.groupBy<ChunkedFile, number>('chunk')))
      .apply(
        beam.withName(
          'LoadSummaryFiles',
          beam.parDo(new LoadSummaryFiles(config), { valid: beam.counter('rows_valid'), rejected: beam.counter('rows_rejected') }),
        ),
      );
    const split = outcomes.apply(beam.withName('SplitOutcomes', beam.split(['summary', 'deadLetters', 'stats']))) as unknown as {
      summary: beam.PCollection<SummaryCells>;
      deadLetters: beam.PCollection<FileDeadLetters>;
      stats: beam.PCollection<FileStats>;
    };
    split.summary.apply(beam.withName('WriteSummaryRows', beam.parDo(new WriteSummaryRows(config), { written: beam.counter('dates_written') })));
    split.deadLetters.apply(beam.withName('WriteDeadLetters', beam.parDo(new WriteDeadLetters(config))));
    split.stats
      .apply(beam.withName('AllStats', beam.groupGlobally<FileStats>()))
      .apply(beam.withName('FailWithoutValidRows', beam.parDo(new FailWithoutValidRows())));
  };
}

requireForSerialization(__filename, {
  SelectSummaryFiles,
  LoadSummaryFiles,
  WriteSummaryRows,
  WriteDeadLetters,
  FailWithoutValidRows,
  NoValidInputError,
  MissingSummaryFileError,
});
