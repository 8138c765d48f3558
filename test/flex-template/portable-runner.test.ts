/**
 * The pipeline through Beam's portable runner and Python's job service (pinned apache-beam from
 * PyPI): the pipeline is serialized into the job, and each worker is a separate Node process
 * started from flex-template/worker/boot.ts with the container's arguments, which deserializes the
 * DoFns and talks to the emulators. Small on purpose: a few files.
 */
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {JobState_Enum} from 'apache-beam/proto/beam_job_api';
import {summaryFileName} from '../../core/summary-csv';
import {pipelineConfig, runnerFor} from '../../flex-template/main';
import {parseOptions} from '../../flex-template/options';
import {summaryLoadPipeline} from '../../flex-template/pipeline';
import {
  startJobService,
  type JobService,
} from '../../flex-template/python-job-service';
import {suiteEnv, type SuiteEnv} from '../support/suite-env';
import {readSummaryTable, writeSummaryFiles} from './summary-fixtures';
import {startWorkerPool, type WorkerPool} from './worker-pool';
import {printingErrors} from '../support/hooks';

let env: SuiteEnv;
let dir: string;
let jobService: JobService;
let pool: WorkerPool;

test.before(
  printingErrors(async () => {
    env = await suiteEnv('flex-portable');
    dir = mkdtempSync(path.join(os.tmpdir(), 'flex-portable-'));
    [jobService, pool] = await Promise.all([
      startJobService(
        'apache_beam.runners.portability.local_job_service_main',
        process.env,
        {quiet: true},
      ),
      startWorkerPool(),
    ]);
  }),
);

test.after(async () => {
  jobService?.stop();
  await pool?.stop();
  await env.close();
  rmSync(dir, {recursive: true, force: true});
});

async function runPortable(
  args: string[],
): Promise<{state: JobState_Enum; counters: Record<string, number>}> {
  const r = env.resources;
  const options = parseOptions(
    [
      ...args,
      `--bigtable_project=${r.project}`,
      `--bigtable_instance=${r.bigtable.instance}`,
      '--runner=portable',
      `--job_endpoint=${jobService.endpoint}`,
      '--environment_type=EXTERNAL',
      `--environment_config=${pool.address}`,
    ],
    env.vars,
  );
  const result = await runnerFor(options).runAsync(
    summaryLoadPipeline(pipelineConfig(options, env.vars, 'portable')),
  );
  const state = await result.waitUntilFinish(120_000);
  if (state === JobState_Enum.RUNNING || state === JobState_Enum.STARTING)
    await (result as unknown as {cancel(): Promise<void>}).cancel();
  return {
    state,
    counters: state === JobState_Enum.DONE ? await result.counters() : {},
  };
}

test('a few files load through the portable runner and out-of-process Node workers; a file with a rejected line fails the job, and auto takes it again once corrected', async () => {
  const input = path.join(dir, 'in');
  const dates = writeSummaryFiles(input, '2024-02-27', 4);
  writeFileSync(
    path.join(input, summaryFileName('2024-03-02')),
    'date,transaction_type,currency,transaction_count,amount_sum\n2024-03-02,TOTAL,ALL,zero,\n2024-03-02,purchase,USD,1,1.00\n',
  );
  const first = await runPortable([`--input=${input}`]);
  const firstLog = pool.takeOutput();
  assert.is(
    JobState_Enum[first.state],
    'FAILED',
    `a summary with a rejected line fails the run; the workers said:\n${firstLog}`,
  );
  assert.match(
    firstLog,
    /RejectedSummaryFilesError: 1 of 5 summary file\(s\) had rejected lines/,
    'the workers logged why',
  );
  const rows = await readSummaryTable(
    env.resources.project,
    env.resources.bigtable.instance,
    env.resources.bigtable.summaries.id,
  );
  assert.equal(
    rows.map(r => r.key),
    dates,
    'the good files are loaded, the rejected one is not',
  );
  assert.ok(rows[0]!.count.threshold_signal);

  writeSummaryFiles(input, '2024-03-02', 1);
  const rerun = await runPortable([`--input=${input}`]);
  assert.is(
    JobState_Enum[rerun.state],
    'DONE',
    `the workers said:\n${pool.takeOutput()}`,
  );
  assert.is(rerun.counters.files_selected, 1);
  assert.is(rerun.counters.dates_written, 1);
});

test('a job whose input has nothing valid ends FAILED on the portable runner too', async () => {
  const input = path.join(dir, 'bad');
  writeSummaryFiles(input, '2024-05-01', 1);
  writeFileSync(path.join(input, summaryFileName('2024-05-01')), 'nonsense\n');
  const {state} = await runPortable([`--input=${input}`]);
  const log = pool.takeOutput();
  assert.is(JobState_Enum[state], 'FAILED', `the workers said:\n${log}`);
  assert.match(
    log,
    /RejectedSummaryFilesError: 1 of 1 summary file\(s\) had rejected lines/,
    'the workers logged why',
  );
});

test.run();
