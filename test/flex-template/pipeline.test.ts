/**
 * The flex-template pipeline on the direct runner against the Bigtable emulator and fake-gcs-server:
 * three years of daily files, a rerun with auto, bad rows, idempotent reloads, failures.
 */
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {addDays} from '../../core/day';
import {download} from '../../core/storage/download';
import {encodeSummaryCsv, summaryFileName} from '../../core/summary-csv';
import {closeSharedBlockingClients} from '../../flex-template/blocking-client';
import {parseOptions} from '../../flex-template/options';
import {pipelineConfig, runnerFor} from '../../flex-template/main';
import {summaryLoadPipeline} from '../../flex-template/pipeline';
import {LEASE_COLUMN} from '../../flex-template/io-service';
import {suiteEnv, type SuiteEnv} from '../support/suite-env';
import {
  countCells,
  readSummaryTable,
  summaryRowsFor,
  writeSummaryFiles,
} from './summary-fixtures';
import {printingErrors} from '../support/hooks';

let env: SuiteEnv;
let dir: string;
const DAYS = 1100;
const FIRST = '2023-01-01';

test.before(
  printingErrors(async () => {
    env = await suiteEnv('flex-template');
    dir = mkdtempSync(path.join(os.tmpdir(), 'flex-template-'));
  }),
);

test.after(async () => {
  closeSharedBlockingClients();
  await env.close();
  rmSync(dir, {recursive: true, force: true});
});

function bigtableArgs(): string[] {
  const r = env.resources;
  return [
    `--bigtable_project=${r.project}`,
    `--bigtable_instance=${r.bigtable.instance}`,
    `--bigtable_table=${r.bigtable.summaries.id}`,
  ];
}

async function run(args: string[]): Promise<Record<string, number>> {
  const options = parseOptions([...args, ...bigtableArgs()], env.vars);
  const result = await runnerFor(options).run(
    summaryLoadPipeline(pipelineConfig(options, env.vars, `run-${Date.now()}`)),
  );
  return result.counters();
}

const table = () =>
  readSummaryTable(
    env.resources.project,
    env.resources.bigtable.instance,
    env.resources.bigtable.summaries.id,
  );

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
  assert.equal(
    rows.map(r => r.key),
    dates,
  );
  const sample = rows[400]!;
  const expected = summaryRowsFor(sample.key);
  assert.is(
    Object.keys(sample.count).length,
    expected.length + 2,
    'a count column per CSV line, plus threshold_signal and source_version',
  );
  const grand = expected.find(r => r.kind === 'grand-total')!;
  assert.is(sample.count['TOTAL:ALL'], String(grand.count));
  assert.ok(['LOW', 'NORMAL', 'HIGH'].includes(sample.count.threshold_signal!));
  assert.is(sample.sum['TOTAL:ALL'], undefined);

  started = performance.now();
  const rerun = await run([`--input=${input}`, '--dates_suffixes=auto']);
  assert.is(rerun.files_selected ?? 0, 0, 'auto selects nothing on a rerun');
  assert.is(rerun.dates_written ?? 0, 0, 'and writes nothing');
  console.info(
    `  ${DAYS} files: ${Math.round(firstMs)} ms; rerun with auto: ${Math.round(performance.now() - started)} ms`,
  );

  // A new day appears: auto picks only it.
  writeSummaryFiles(input, addDays(dates[dates.length - 1]!, 1), 1);
  const next = await run([`--input=${input}`]);
  assert.is(next.files_selected, 1);
  assert.is((await table()).length, DAYS + 1);
});

test('reloading named dates is idempotent: same cells, no stacked versions', async () => {
  const input = path.join(dir, 'summaries');
  const before = await countCells(
    env.resources.project,
    env.resources.bigtable.instance,
    env.resources.bigtable.summaries.id,
  );
  const counters = await run([
    `--input=${input}`,
    '--dates_suffixes=2023-01-01,2024-02-29,2025-12-31',
  ]);
  assert.is(counters.dates_written, 3);
  const after = await countCells(
    env.resources.project,
    env.resources.bigtable.instance,
    env.resources.bigtable.summaries.id,
  );
  assert.is(after, before);
});

test('reloading a corrected file replaces the whole row: no column of the old file stays', async () => {
  const input = path.join(dir, 'corrected');
  const day = '2023-06-15';
  const rows = summaryRowsFor(day);
  mkdirSync(input, {recursive: true});
  writeFileSync(path.join(input, summaryFileName(day)), encodeSummaryCsv(rows));
  await run([`--input=${input}`, `--dates_suffixes=${day}`]);
  const group = rows.find(row => row.kind === 'group');
  assert.ok(group && group.kind === 'group');
  const column = `${group.type}:${group.currency}`;
  assert.ok(
    (await table()).find(row => row.key === day)?.count[column],
    'the group is loaded first',
  );
  // The corrected file drops that group (and its currency total is re-derived from the rest).
  const corrected = summaryRowsFor(day).filter(
    row =>
      !(
        row.kind === 'group' &&
        row.type === group.type &&
        row.currency === group.currency
      ),
  );
  for (const row of corrected) {
    if (row.kind === 'currency-total' && row.currency === group.currency) {
      row.count -= group.count;
      row.sumMinor -= group.sumMinor;
    }
    if (row.kind === 'grand-total') row.count -= group.count;
  }
  writeFileSync(
    path.join(input, summaryFileName(day)),
    encodeSummaryCsv(
      corrected.filter(row => row.kind !== 'currency-total' || row.count > 0),
    ),
  );
  const counters = await run([`--input=${input}`, `--dates_suffixes=${day}`]);
  assert.is(counters.dates_written, 1);
  const stored = (await table()).find(row => row.key === day);
  assert.ok(stored);
  assert.is(stored.count[column], undefined);
  assert.is(stored.sum[column], undefined);
  assert.is(
    stored.count['TOTAL:ALL'],
    String(corrected.find(row => row.kind === 'grand-total')!.count),
  );
});

test('a file with a rejected line (on fake-gcs-server) is not loaded: its old row stays, its lines are dead-lettered by line, the run fails naming it', async () => {
  const bucket = env.storage.bucket(env.resources.storage.bucket);
  const day = '2030-06-15';
  const other = '2030-06-16';
  const good = encodeSummaryCsv(summaryRowsFor(day));
  await bucket
    .file(`summaries/${summaryFileName(day)}`)
    .save(good, {resumable: false});
  await bucket
    .file(`summaries/${summaryFileName(other)}`)
    .save(encodeSummaryCsv(summaryRowsFor(other)), {resumable: false});
  const gcsInput = `gs://${env.resources.storage.bucket}/summaries/`;
  await run([`--input=${gcsInput}`, `--dates_suffixes=${day}`]);
  const before = (await table()).find(r => r.key === day)!;
  assert.ok(before, 'the first version is loaded');

  const lines = good.trimEnd().split('\n');
  lines.splice(2, 1, `${day},purchase,USD,-4,12.00`); // line 3
  lines.splice(4, 0, ',,,,'); // line 5: empty, skipped, but counted
  lines.splice(6, 1, `${day},bogus type,USD,1,1.00`); // line 7
  lines.push(`${day},fee,GBP,1,1.0`); // last line
  await bucket
    .file(`summaries/${summaryFileName(day)}`)
    .save(lines.join('\n') + '\n', {resumable: false});

  const runId = `rejected-${Date.now()}`;
  const options = parseOptions(
    [
      `--input=${gcsInput}`,
      `--dates_suffixes=${day},${other}`,
      ...bigtableArgs(),
    ],
    env.vars,
  );
  try {
    await runnerFor(options).run(
      summaryLoadPipeline(pipelineConfig(options, env.vars, runId)),
    );
    assert.unreachable('the run fails');
  } catch (err) {
    assert.match(
      String(err),
      `1 of 2 summary file(s) had rejected lines and were not loaded (a row loaded before stays): ${summaryFileName(day)}`,
    );
  }
  const after = await table();
  assert.equal(
    after.find(r => r.key === day),
    before,
    'the rejected file changed nothing',
  );
  assert.ok(
    after.find(r => r.key === other),
    'the good file of the same run is loaded',
  );
  const report = await download(
    bucket.file(
      `summaries/errors/${runId}/${summaryFileName(day).replace('.csv', '')}.errors.csv`,
    ),
  );
  const text = report.toString();
  const reported = text
    .trim()
    .split('\n')
    .slice(1)
    .map(l => Number(l.split(',')[1]));
  assert.equal(reported, [3, 7, lines.length]);
  assert.match(
    text,
    new RegExp(`^${summaryFileName(day)},3,"?transaction_count`, 'm'),
  );
});

test('a file whose TOTAL,ALL line is bad is not loaded, fails every auto run, and loads once corrected', async () => {
  const input = path.join(dir, 'bad-grand-total');
  const day = '2032-03-10';
  mkdirSync(input, {recursive: true});
  const rows = summaryRowsFor(day);
  const good = encodeSummaryCsv(rows);
  const grand = rows.find(row => row.kind === 'grand-total')!;
  const lines = good.trimEnd().split('\n');
  const grandLine = lines.findIndex(line =>
    line.startsWith(`${day},TOTAL,ALL,`),
  );
  lines[grandLine] = `${day},TOTAL,ALL,${grand.count + 1},`;
  writeFileSync(
    path.join(input, summaryFileName(day)),
    lines.join('\n') + '\n',
  );

  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await run([`--input=${input}`]);
      assert.unreachable('the run fails');
    } catch (err) {
      assert.match(String(err), /1 of 1 summary file\(s\) had rejected lines/);
    }
    assert.is(
      (await table()).find(row => row.key === day),
      undefined,
      'nothing of it is loaded',
    );
  }

  writeFileSync(path.join(input, summaryFileName(day)), good);
  const corrected = await run([`--input=${input}`]);
  assert.is(corrected.files_selected, 1);
  assert.is(corrected.rows_rejected ?? 0, 0);
  const stored = (await table()).find(row => row.key === day);
  assert.is(stored?.count['TOTAL:ALL'], String(grand.count));
  assert.ok(
    ['LOW', 'NORMAL', 'HIGH'].includes(stored?.count.threshold_signal ?? ''),
  );

  const after = await run([`--input=${input}`]);
  assert.is(after.files_selected ?? 0, 0, 'loaded for good');
});

test('an input location that does not exist fails the run; an empty one selects nothing', async () => {
  for (const input of [
    path.join(dir, 'no-such-dir'),
    `gs://${env.resources.storage.bucket}/no-such-prefix/`,
  ]) {
    try {
      await run([`--input=${input}`]);
      assert.unreachable('the run fails');
    } catch (err) {
      assert.match(
        String(err),
        `the input location ${input.endsWith('/') ? input : `${input}/`} does not exist`,
      );
    }
  }
  const empty = path.join(dir, 'empty');
  mkdirSync(empty);
  const counters = await run([`--input=${empty}`]);
  assert.is(counters.files_selected ?? 0, 0);
});

test('a second auto run while another holds the load lease selects nothing; a lapsed lease is taken over', async () => {
  const input = path.join(dir, 'leased');
  writeSummaryFiles(input, '2033-01-01', 2);
  const r = env.resources;
  const state = env.bigtable
    .instance(r.bigtable.instance)
    .table(r.bigtable.state.id);
  const key = `flex_load_lease#${r.bigtable.summaries.id}`;
  const hold = (timestamp: Date) =>
    state.insert([
      {
        key,
        data: {
          [r.bigtable.state.families.state]: {
            [LEASE_COLUMN]: {value: 'other-run', timestamp},
          },
        },
      },
    ]);
  await hold(new Date());
  const blocked = await run([`--input=${input}`]);
  assert.is(blocked.files_selected ?? 0, 0, 'the other run is loading');
  assert.is(blocked.dates_written ?? 0, 0);

  await state.deleteRows(key);
  await hold(new Date(Date.now() - 2 * 60 * 60_000)); // a run that died two hours ago
  const taken = await run([`--input=${input}`]);
  assert.is(taken.dates_written, 2);
  const [rows] = await state.getRows({keys: [key]});
  assert.is(rows.length, 0, 'the lease was given back at the end of the run');
});

test('a named date without a file fails the job, naming the date', async () => {
  try {
    await run([
      `--input=${path.join(dir, 'summaries')}`,
      '--dates_suffixes=1999-01-01',
    ]);
    assert.unreachable('the job should fail');
  } catch (err) {
    assert.match(String(err), /no summary file under .* for 1999-01-01/);
  }
});

test.run();
