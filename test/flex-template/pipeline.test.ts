/**
 * The flex-template pipeline on the direct runner against the Bigtable emulator and fake-gcs-server:
 * three years of daily files, a rerun with auto, bad rows, idempotent reloads, failures.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addDays } from '../../core/day';
import { encodeSummaryCsv, summaryFileName } from '../../core/summary-csv';
import { closeSharedBlockingClients } from '../../flex-template/blocking-client';
import { parseOptions } from '../../flex-template/options';
import { pipelineConfig, runnerFor } from '../../flex-template/main';
import { summaryLoadPipeline } from '../../flex-template/pipeline';
import { suiteEnv, type SuiteEnv } from '../support/suite-env';
import { countCells, readSummaryTable, summaryRowsFor, writeSummaryFiles } from './summary-fixtures';
import { printingErrors } from '../support/hooks';

let env: SuiteEnv;
let dir: string;
const DAYS = 1100;
const FIRST = '2023-01-01';

test.before(printingErrors(async () => {
  env = await suiteEnv('flex-template');
  dir = mkdtempSync(path.join(os.tmpdir(), 'flex-template-'));
}));

test.after(async () => {
  closeSharedBlockingClients();
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

function bigtableArgs(): string[] {
  const r = env.resources;
  return [`--bigtable_project=${r.project}`, `--bigtable_instance=${r.bigtable.instance}`, `--bigtable_table=${r.bigtable.summaries.id}`];
}

async function run(args: string[]): Promise<Record<string, number>> {
  const options = parseOptions([...args, ...bigtableArgs()], env.vars);
  const result = await runnerFor(options).run(summaryLoadPipeline(pipelineConfig(options, env.vars, `run-${Date.now()}`)));
  return result.counters();
}

const table = () => readSummaryTable(env.resources.project, env.resources.bigtable.instance, env.resources.bigtable.summaries.id);

test(`${DAYS} daily files (three years) load with auto, one row per date; a rerun loads 0`, async () => {
  const input = path.join(dir, 'summaries');
  const dates = writeSummaryFiles(input, FIRST, DAYS);
  let started = performance.now();
  const first = await run([`--input=${input}`]);
  const firstMs = performance.now() - started;
  assert.is(first.files_selected, DAYS);
  assert.is(first.dates_written, DAYS);
  assert.is(first.rows_rejected ?? 0, 0);

  const rows = await table();
  assert.equal(rows.map((r) => r.key), dates);
  const sample = rows[400]!;
  const expected = summaryRowsFor(sample.key);
  assert.is(Object.keys(sample.count).length, expected.length + 2, 'a count column per CSV line, plus threshold_signal and source_version');
  const grand = expected.find((r) => r.kind === 'grand-total')!;
  assert.is(sample.count['TOTAL:ALL'], String(grand.count));
  assert.ok(['LOW', 'NORMAL', 'HIGH'].includes(sample.count.threshold_signal!));
  assert.is(sample.sum['TOTAL:ALL'], undefined);

  started = performance.now();
  const rerun = await run([`--input=${input}`, '--dates_suffixes=auto']);
  assert.is(rerun.files_selected ?? 0, 0, 'auto selects nothing on a rerun');
  assert.is(rerun.dates_written ?? 0, 0, 'and writes nothing');
  console.info(`  ${DAYS} files: ${Math.round(firstMs)} ms; rerun with auto: ${Math.round(performance.now() - started)} ms`);

  // A new day appears: auto picks only it.
  writeSummaryFiles(input, addDays(dates[dates.length - 1]!, 1), 1);
  const next = await run([`--input=${input}`]);
  assert.is(next.files_selected, 1);
  assert.is((await table()).length, DAYS + 1);
});

test('reloading named dates is idempotent: same cells, no stacked versions', async () => {
  const input = path.join(dir, 'summaries');
  const before = await countCells(env.resources.project, env.resources.bigtable.instance, env.resources.bigtable.summaries.id);
  const counters = await run([`--input=${input}`, '--dates_suffixes=2023-01-01,2024-02-29,2025-12-31']);
  assert.is(counters.dates_written, 3);
  const after = await countCells(env.resources.project, env.resources.bigtable.instance, env.resources.bigtable.summaries.id);
  assert.is(after, before);
});

test('reloading a corrected file replaces the whole row: no column of the old file stays', async () => {
  const input = path.join(dir, 'corrected');
  const day = '2023-06-15';
  const rows = summaryRowsFor(day);
  mkdirSync(input, { recursive: true });
  writeFileSync(path.join(input, summaryFileName(day)), encodeSummaryCsv(rows));
  await run([`--input=${input}`, `--dates_suffixes=${day}`]);
  const group = rows.find((row) => row.kind === 'group');
  assert.ok(group && group.kind === 'group');
  const column = `${group.type}:${group.currency}`;
  assert.ok((await table()).find((row) => row.key === day)?.count[column], 'the group is loaded first');
  // The corrected file drops that group (and its currency total is re-derived from the rest).
  const corrected = summaryRowsFor(day).filter((row) => !(row.kind === 'group' && row.type === group.type && row.currency === group.currency));
  for (const row of corrected) {
    if (row.kind === 'currency-total' && row.currency === group.currency) {
      row.count -= group.count;
      row.sumMinor -= group.sumMinor;
    }
    if (row.kind === 'grand-total') row.count -= group.count;
  }
  writeFileSync(path.join(input, summaryFileName(day)), encodeSummaryCsv(corrected.filter((row) => row.kind !== 'currency-total' || row.count > 0)));
  const counters = await run([`--input=${input}`, `--dates_suffixes=${day}`]);
  assert.is(counters.dates_written, 1);
  const stored = (await table()).find((row) => row.key === day);
  assert.ok(stored);
  assert.is(stored.count[column], undefined);
  assert.is(stored.sum[column], undefined);
  assert.is(stored.count['TOTAL:ALL'], String(corrected.find((row) => row.kind === 'grand-total')!.count));
});

test('a file with bad rows (on fake-gcs-server) loads its good rows and dead-letters the bad ones by line', async () => {
  const bucket = env.storage.bucket(env.resources.storage.bucket);
  const day = '2030-06-15';
  const lines = encodeSummaryCsv(summaryRowsFor(day)).trimEnd().split('\n');
  const dataLines = lines.length - 1;
  lines.splice(2, 1, `${day},purchase,USD,-4,12.00`); // line 3
  lines.splice(5, 1, `${day},bogus type,USD,1,1.00`); // line 6
  lines.push(`${day},fee,GBP,1,1.0`); // last line
  await bucket.file(`summaries/${summaryFileName(day)}`).save(lines.join('\n') + '\n', { resumable: false });
  const gcsInput = `gs://${env.resources.storage.bucket}/summaries/`;

  const counters = await run([`--input=${gcsInput}`, `--dates_suffixes=${day}`]);
  assert.is(counters.dates_written, 1);
  assert.is(counters.rows_rejected, 3);
  assert.is(counters.rows_valid, dataLines + 1 - 3, 'every line but the three bad ones');

  const row = (await table()).find((r) => r.key === day)!;
  assert.ok(row, 'the good rows were loaded');
  const [names] = await bucket.getFiles({ prefix: 'summaries/errors/' });
  const report = names.find((f) => f.name.endsWith(`${summaryFileName(day).replace('.csv', '')}.errors.csv`));
  assert.ok(report, `a dead-letter file under summaries/errors/ (found ${names.map((f) => f.name).join(', ')})`);
  const text = (await report!.download())[0].toString();
  const reported = text.trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
  assert.equal(reported, [3, 6, lines.length]);
  assert.match(text, new RegExp(`^${summaryFileName(day)},3,"?transaction_count`, 'm'));
});

test('a file whose TOTAL,ALL line is bad loads without a signal, stays selected by auto, and loads whole once corrected', async () => {
  const input = path.join(dir, 'bad-grand-total');
  const day = '2032-03-10';
  mkdirSync(input, { recursive: true });
  const rows = summaryRowsFor(day);
  const good = encodeSummaryCsv(rows);
  const grand = rows.find((row) => row.kind === 'grand-total')!;
  const lines = good.trimEnd().split('\n');
  const grandLine = lines.findIndex((line) => line.startsWith(`${day},TOTAL,ALL,`));
  lines[grandLine] = `${day},TOTAL,ALL,${grand.count + 1},`;
  writeFileSync(path.join(input, summaryFileName(day)), lines.join('\n') + '\n');

  const first = await run([`--input=${input}`]);
  assert.is(first.files_selected, 1);
  assert.is(first.dates_written, 1, 'the valid lines are loaded');
  assert.is(first.rows_rejected, 1);
  let stored = (await table()).find((row) => row.key === day);
  assert.ok(stored);
  assert.is(stored.count.threshold_signal, undefined);
  assert.is(stored.count['TOTAL:ALL'], undefined);

  const again = await run([`--input=${input}`]);
  assert.is(again.files_selected, 1, 'a date without its signal is not loaded yet for auto');

  writeFileSync(path.join(input, summaryFileName(day)), good);
  const corrected = await run([`--input=${input}`]);
  assert.is(corrected.files_selected, 1);
  assert.is(corrected.rows_rejected ?? 0, 0);
  stored = (await table()).find((row) => row.key === day);
  assert.is(stored?.count['TOTAL:ALL'], String(grand.count));
  assert.ok(['LOW', 'NORMAL', 'HIGH'].includes(stored?.count.threshold_signal ?? ''));

  const after = await run([`--input=${input}`]);
  assert.is(after.files_selected ?? 0, 0, 'loaded for good');
});

test('input with nothing valid fails the job', async () => {
  const input = path.join(dir, 'broken');
  writeSummaryFiles(input, '2031-01-01', 1);
  writeFileSync(path.join(input, summaryFileName('2031-01-01')), 'date,type\n2031-01-01,x\n');
  try {
    await run([`--input=${input}`]);
    assert.unreachable('the job should fail');
  } catch (err) {
    assert.match(String(err), /none of the 1 selected summary file\(s\) had a valid row/);
  }
});

test('a named date without a file fails the job, naming the date', async () => {
  try {
    await run([`--input=${path.join(dir, 'summaries')}`, '--dates_suffixes=1999-01-01']);
    assert.unreachable('the job should fail');
  } catch (err) {
    assert.match(String(err), /no summary file under .* for 1999-01-01/);
  }
});

test.run();
