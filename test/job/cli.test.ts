/** The job as Cloud Run runs it: a real child process, judged by its exit code, its files and its logs. */
import {spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {addDays, dayOf} from '../../core/day';
import {summaryFileName} from '../../core/summary-csv';
import {toRowEntry} from '../../core/bigtable/txn-row';
import {
  isolatedBigtable,
  setWatermark,
  type TestBigtable,
  transactionsOf,
  watermarkAfter,
  writeTransactions,
} from '../core/summary/fixtures';
import {gcsStore, localStore, type TestStore} from '../core/summary/stores';
import {printingErrors} from '../support/hooks';

const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'job', 'index.ts');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  logs: Array<Record<string, unknown>>;
}

function runJob(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        CLOUD_RUN_TASK_INDEX: undefined,
        CLOUD_RUN_TASK_COUNT: undefined,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', code => {
      clearTimeout(timer);
      const logs = stdout
        .split('\n')
        .filter(line => line.startsWith('{'))
        .map(line => JSON.parse(line) as Record<string, unknown>);
      resolve({code, stdout, stderr, logs});
    });
  });
}

let t: TestBigtable;
let local: TestStore;
let gcs: TestStore;
const yesterday = addDays(dayOf(new Date()), -1);
const jobEnv = () => ({
  GOOGLE_CLOUD_PROJECT: t.resources.project,
  BIGTABLE_INSTANCE: t.instanceId,
  SUMMARY_LOOKBACK_DAYS: '3',
});

test.before(
  printingErrors(async () => {
    t = await isolatedBigtable('job-cli');
    local = localStore();
    gcs = await gcsStore('daily');
    await writeTransactions(t, transactionsOf(yesterday, 500, 1));
    await writeTransactions(t, transactionsOf('2026-02-02', 100, 2));
    await setWatermark(t, new Date());
  }),
);

test.after(async () => {
  await Promise.all([local.cleanup(), gcs.cleanup()]);
  await t.close();
});

test('--help prints the usage and exits 0', async () => {
  const r = await runJob(['--help'], {});
  assert.is(r.code, 0);
  assert.match(r.stdout, /Usage: daily-summary/);
});

test('a bad flag or variable exits 2 and names it', async () => {
  const flag = await runJob(['--from', '2026-01-01'], {OUTPUT_URI: local.uri});
  assert.is(flag.code, 2);
  assert.match(flag.stderr, /--from and --to go together/);
  const missing = await runJob([], {OUTPUT_URI: undefined});
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /OUTPUT_URI is required but not set/);
  const task = await runJob([], {
    OUTPUT_URI: local.uri,
    CLOUD_RUN_TASK_INDEX: '4',
    CLOUD_RUN_TASK_COUNT: '2',
  });
  assert.is(task.code, 2);
  assert.match(
    task.stderr,
    /CLOUD_RUN_TASK_INDEX must be below CLOUD_RUN_TASK_COUNT \(2\), got 4/,
  );
});

test('writes the recent complete days with transactions to a local directory and exits 0; a rerun has nothing to do', async () => {
  const r = await runJob([], {...jobEnv(), OUTPUT_URI: local.uri});
  assert.is(r.code, 0, r.stdout + r.stderr);
  const files = await local.store.list();
  assert.equal(
    files,
    [summaryFileName(yesterday)],
    'the two days before it had no transactions: not written',
  );
  assert.match(
    (await local.store.read(summaryFileName(yesterday))).toString(),
    new RegExp(`${yesterday},TOTAL,ALL,500,\\n$`),
  );
  assert.ok(
    r.logs.every(
      l => typeof l.severity === 'string' && typeof l.message === 'string',
    ),
  );
  assert.ok(
    r.logs.some(
      l => l.message === 'done: 1 day(s) written, 0 restated, 0 held back',
    ),
  );
  const rerun = await runJob([], {...jobEnv(), OUTPUT_URI: local.uri});
  assert.is(rerun.code, 0);
  assert.ok(
    rerun.logs.some(
      l =>
        String(l.message) ===
        'plan: 0 day(s) to summarize, 0 changed since summarized, 0 held back, 2 without transactions (not written), 1 already written',
    ),
  );
});

test('backfill to gs:// with two Cloud Run tasks, after a dry run that writes nothing', async () => {
  const args = ['--from', '2026-02-01', '--to', '2026-02-04'];
  const dry = await runJob([...args, '--dry-run'], {
    ...jobEnv(),
    OUTPUT_URI: gcs.uri,
  });
  assert.is(dry.code, 0, dry.stdout + dry.stderr);
  assert.equal(await gcs.store.list(), []);
  const shown = dry.logs.find(
    l => l.day === '2026-02-02' && l.status === 'dry-run',
  );
  assert.match(
    String(shown?.csv),
    /^date,transaction_type,currency,transaction_count,amount_sum\n(.*\n)*2026-02-02,TOTAL,ALL,100,\n$/,
  );
  const tasks = await Promise.all(
    [0, 1].map(index =>
      runJob(args, {
        ...jobEnv(),
        OUTPUT_URI: gcs.uri,
        CLOUD_RUN_TASK_INDEX: String(index),
        CLOUD_RUN_TASK_COUNT: '2',
      }),
    ),
  );
  for (const r of tasks) assert.is(r.code, 0, r.stdout + r.stderr);
  assert.equal(
    await gcs.store.list(),
    ['2026-02-01', '2026-02-02', '2026-02-03', '2026-02-04'].map(
      summaryFileName,
    ),
  );
  const written = tasks.map(
    r => r.logs.find(l => String(l.message).startsWith('done:'))?.written,
  );
  assert.equal(written, [2, 2]);
});

test('a day with malformed rows: exit 1, its keys in the log, the other days written', async () => {
  const day = '2026-03-05';
  await writeTransactions(t, transactionsOf(day, 20, 3));
  const entry = toRowEntry(
    [...transactionsOf(day, 1, 4, 'bad')][0]!,
    t.resources.bigtable.txn,
  );
  entry.data[t.resources.bigtable.txn.families.transaction]!.currency!.value =
    'DOGE';
  await t.txnTable.insert([entry]);
  const r = await runJob(['--from', '2026-03-04', '--to', '2026-03-06'], {
    ...jobEnv(),
    OUTPUT_URI: local.uri,
  });
  assert.is(r.code, 1, r.stdout + r.stderr);
  const error = r.logs.find(l => l.severity === 'ERROR' && l.day === day);
  assert.ok(error, r.stdout);
  assert.match(String(error!.message), entry.key);
  assert.match(
    JSON.stringify(error!.malformedRows),
    /unknown currency \\"DOGE\\"/,
  );
  const files = await local.store.list();
  assert.ok(
    files.includes(summaryFileName('2026-03-04')) &&
      files.includes(summaryFileName('2026-03-06')),
  );
  assert.not.ok(files.includes(summaryFileName(day)));
  assert.ok(
    r.logs.some(
      l =>
        l.severity === 'ERROR' &&
        String(l.message).includes(
          'daily summary incomplete: 2026-03-05 malformed-rows',
        ),
    ),
  );
});

test('a failure before any day (tables missing, output not a directory) exits 1 with the cause', async () => {
  const noTables = await runJob([], {
    BIGTABLE_INSTANCE: 'no-such-instance',
    OUTPUT_URI: local.uri,
  });
  assert.is(noTables.code, 1);
  assert.ok(
    noTables.logs.some(
      l =>
        l.severity === 'ERROR' &&
        /daily summary failed: .*NOT_FOUND/.test(String(l.message)),
    ),
    noTables.stdout,
  );
  const file = join(local.uri, 'a-file');
  writeFileSync(file, 'x');
  const notDir = await runJob([], {...jobEnv(), OUTPUT_URI: file});
  assert.is(notDir.code, 1);
  assert.ok(
    notDir.logs.some(l =>
      /daily summary failed: .*ENOTDIR/.test(String(l.message)),
    ),
    notDir.stdout,
  );
});

test('the watermark holds back yesterday until replication has passed its end', async () => {
  const store = localStore();
  try {
    await setWatermark(t, new Date(`${yesterday}T12:00:00Z`));
    const r = await runJob([], {...jobEnv(), OUTPUT_URI: store.uri});
    assert.is(r.code, 0);
    assert.not.ok(
      (await store.store.list()).includes(summaryFileName(yesterday)),
    );
    assert.ok(
      r.logs.some(
        l =>
          l.severity === 'WARNING' &&
          String(l.message).startsWith(`held back ${yesterday}`),
      ),
    );
    await setWatermark(t, watermarkAfter(yesterday));
    assert.is((await runJob([], {...jobEnv(), OUTPUT_URI: store.uri})).code, 0);
    assert.ok((await store.store.list()).includes(summaryFileName(yesterday)));
  } finally {
    await store.cleanup();
    await setWatermark(t, new Date());
  }
});

test.run();
