/**
 * `npm run reconcile` (scripts/reconcile.ts) against a suite's own stores, filled by the pipeline's
 * own steps (generation's insert, replication, the daily summary, the flex template on the direct
 * runner): clean, it says `reconciled`; with a mismatch planted in each of the four stores (one
 * store per day), it names exactly those days and what differs, and exits 1.
 */
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {type Day, daysBetween} from '../../core/day';
import {loadGenerator} from '../../core/generation/generator';
import {batchIdForKey} from '../../core/generation/slot';
import {createLogger} from '../../core/log';
import {DEFAULT_WATERMARK_RULE} from '../../core/replication/watermark-rule';
import {replicateUnsent} from '../../core/replication/replicate';
import {insertBatch} from '../../core/sql/generation-batches';
import {openObjectStore} from '../../core/storage/open';
import {runDailySummary} from '../../core/summary/daily-summary';
import {
  decodeSummaryCsv,
  encodeSummaryCsv,
  summaryFileName,
} from '../../core/summary-csv';
import {dayRanges} from '../../core/bigtable/row-key';
import {closeSharedBlockingClients} from '../../flex-template/blocking-client';
import {pipelineConfig, runnerFor} from '../../flex-template/main';
import {parseOptions} from '../../flex-template/options';
import {summaryLoadPipeline} from '../../flex-template/pipeline';
import {printingErrors} from '../support/hooks';
import {type SuiteEnv, suiteEnv} from '../support/suite-env';

const ROOT = join(__dirname, '..', '..');
const DAYS = daysBetween('2026-10-01', '2026-10-05');
const [SQL_DAY, TXN_DAY, CSV_DAY, SUMMARY_DAY, CLEAN_DAY] = DAYS as [
  Day,
  Day,
  Day,
  Day,
  Day,
];
let env: SuiteEnv;
let outputUri: string;

test.before(
  printingErrors(async () => {
    env = await suiteEnv('reconcile');
    const {resources} = env;
    outputUri = `gs://${resources.storage.bucket}/${resources.storage.summariesPrefix}`;
    const sql = env.sql;
    const generator = await loadGenerator();
    for (const day of DAYS) {
      for (const hour of [3, 15]) {
        const slotStart = new Date(
          `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`,
        );
        const batchId = batchIdForKey(`reconcile-${day}-${hour}`);
        await insertBatch(sql, {
          batchId,
          slotStart,
          transactions: generator.generate({batchId, slotStart, count: 60}),
        });
      }
    }
    const instance = env.bigtable.instance(resources.bigtable.instance);
    const log = createLogger('reconcile-test');
    await replicateUnsent(
      {
        sql,
        txnTable: instance.table(resources.bigtable.txn.id),
        txnSchema: resources.bigtable.txn,
        stateTable: instance.table(resources.bigtable.state.id),
        stateSchema: resources.bigtable.state,
        log,
      },
      {
        batchSize: 200,
        workers: 2,
        budgetMs: 60_000,
        writeTimeoutMs: 30_000,
        watermark: DEFAULT_WATERMARK_RULE,
      },
    );
    const report = await runDailySummary(
      {
        txnTable: instance.table(resources.bigtable.txn.id),
        txnSchema: resources.bigtable.txn,
        stateTable: instance.table(resources.bigtable.state.id),
        stateSchema: resources.bigtable.state,
        store: openObjectStore(outputUri, () => env.storage),
        log,
      },
      {scope: {kind: 'range', from: DAYS[0]!, to: DAYS[DAYS.length - 1]!}},
    );
    assert.ok(
      report.ok && report.outcomes.length === DAYS.length,
      JSON.stringify(report),
    );
    const r = env.resources;
    const options = parseOptions(
      [
        `--input=${outputUri}`,
        `--bigtable_project=${r.project}`,
        `--bigtable_instance=${r.bigtable.instance}`,
        `--bigtable_table=${r.bigtable.summaries.id}`,
      ],
      env.vars,
    );
    await runnerFor(options).run(
      summaryLoadPipeline(
        pipelineConfig(options, env.vars, `reconcile-${Date.now()}`),
      ),
    );
  }),
);

test.after(async () => {
  closeSharedBlockingClients();
  await env?.close();
});

function reconcileCli(...args: string[]) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts', 'reconcile.ts'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: {...process.env, ...env.vars, OUTPUT_URI: outputUri},
      timeout: 120_000,
    },
  );
  return {code: run.status, stdout: run.stdout, stderr: run.stderr};
}

/** The block of the text report that belongs to `day`. */
function dayBlock(stdout: string, day: Day): string {
  const start = stdout.indexOf(`${day}  `);
  assert.ok(start >= 0, `${day} is in the report:\n${stdout}`);
  const next = stdout
    .slice(start + 1)
    .search(/\n(\d{4}-\d{2}-\d{2} {2}|reconciled|differs:)/);
  return stdout.slice(start, next < 0 ? undefined : start + 1 + next);
}

test('the stores the pipeline filled reconcile: every day ok, last line `reconciled`, exit 0', () => {
  const run = reconcileCli('--from', DAYS[0]!, '--to', DAYS[DAYS.length - 1]!);
  assert.is(run.code, 0, run.stdout + run.stderr);
  assert.is(run.stdout.trimEnd().split('\n').at(-1), 'reconciled');
  for (const day of DAYS)
    assert.match(
      dayBlock(run.stdout, day),
      new RegExp(`^${day}  ok  threshold_signal NORMAL`),
    );
});

test('a mismatch planted in each of the four stores is found, with the store and what differs', async () => {
  const {resources} = env;
  const instance = env.bigtable.instance(resources.bigtable.instance);
  // Cloud SQL: one amount of SQL_DAY raised by one minor unit.
  const [[row]] = (await env.pool.query(
    'SELECT id, currency FROM transactions WHERE occurred_at >= ? AND occurred_at < ? ORDER BY id LIMIT 1',
    [new Date(`${SQL_DAY}T00:00:00Z`), new Date(`${TXN_DAY}T00:00:00Z`)],
  )) as unknown as [[{id: string; currency: string}]];
  await env.pool.query(
    'UPDATE transactions SET amount_minor = amount_minor + 1 WHERE id = ?',
    [row.id],
  );
  // txn_tbl: one row of TXN_DAY deleted.
  const txnTable = instance.table(resources.bigtable.txn.id);
  const [txnRows] = await txnTable.getRows({
    ranges: dayRanges(TXN_DAY).map(r => ({start: r.start, end: r.end})),
    limit: 1,
  });
  await txnTable.row(txnRows[0]!.id).delete();
  // The CSV: CSV_DAY rewritten with one group and its totals short by 100 minor units (self-consistent).
  const store = openObjectStore(outputUri, () => env.storage);
  const decoded = decodeSummaryCsv(
    (await store.read(summaryFileName(CSV_DAY))).toString('utf8'),
  );
  const group = decoded.rows.find(r => r.kind === 'group')!;
  if (group.kind !== 'group') throw new Error('unreachable');
  const changed = decoded.rows.map(({line: _line, ...r}) => {
    const hit =
      (r.kind === 'group' &&
        r.type === group.type &&
        r.currency === group.currency) ||
      (r.kind === 'currency-total' && r.currency === group.currency);
    return hit
      ? {...r, sumMinor: (r as {sumMinor: bigint}).sumMinor - 100n}
      : r;
  });
  await store.write(summaryFileName(CSV_DAY), encodeSummaryCsv(changed));
  // The summary table: SUMMARY_DAY's TOTAL:ALL count off by one.
  const summaryTable = instance.table(resources.bigtable.summaries.id);
  const [[summaryRow]] = await summaryTable.getRows({
    keys: [SUMMARY_DAY],
    filter: [{column: {cellLimit: 1}}],
  });
  const all = Number(String(summaryRow!.data.count['TOTAL:ALL'][0].value));
  await summaryTable.insert([
    {
      key: SUMMARY_DAY,
      data: {
        count: {'TOTAL:ALL': {value: String(all + 1), timestamp: new Date()}},
      },
    },
  ]);

  const run = reconcileCli('--from', DAYS[0]!, '--to', DAYS[DAYS.length - 1]!);
  assert.is(run.code, 1, run.stdout + run.stderr);
  assert.is(
    run.stdout.trimEnd().split('\n').at(-1),
    `differs: ${SQL_DAY}, ${TXN_DAY}, ${CSV_DAY}, ${SUMMARY_DAY}`,
  );
  const currency = row.currency;
  // SQL is the truth: every other store disagrees with it on that currency's sum.
  assert.match(
    dayBlock(run.stdout, SQL_DAY),
    new RegExp(`! txn_tbl: ${currency} sum`),
  );
  assert.match(
    dayBlock(run.stdout, SQL_DAY),
    new RegExp(`! csv: ${currency} sum`),
  );
  assert.match(
    dayBlock(run.stdout, SQL_DAY),
    new RegExp(`! summary_table: ${currency} sum`),
  );
  assert.match(
    dayBlock(run.stdout, TXN_DAY),
    /! txn_tbl: 119 transactions, sql 120/,
  );
  assert.not.match(dayBlock(run.stdout, TXN_DAY), /! (csv|summary_table):/);
  const csvCurrency = group.currency;
  assert.match(
    dayBlock(run.stdout, CSV_DAY),
    new RegExp(`! csv: ${csvCurrency} sum`),
  );
  assert.not.match(
    dayBlock(run.stdout, CSV_DAY),
    /! (txn_tbl|summary_table|sql):/,
  );
  assert.match(
    dayBlock(run.stdout, SUMMARY_DAY),
    /! summary_table: 121 transactions, sql 120/,
  );
  assert.not.match(dayBlock(run.stdout, SUMMARY_DAY), /! (txn_tbl|csv|sql):/);
  assert.match(
    dayBlock(run.stdout, CLEAN_DAY),
    new RegExp(`^${CLEAN_DAY}  ok`),
  );

  const json = reconcileCli(
    '--from',
    DAYS[0]!,
    '--to',
    DAYS[DAYS.length - 1]!,
    '--json',
  );
  assert.is(json.code, 1);
  const parsed = JSON.parse(json.stdout) as {ok: boolean; differing: string[]};
  assert.is(parsed.ok, false);
  assert.equal(parsed.differing, [SQL_DAY, TXN_DAY, CSV_DAY, SUMMARY_DAY]);
});

test('bad flags exit 2 with the usage', () => {
  const run = reconcileCli('--from', '2026-10-05', '--to', '2026-10-01');
  assert.is(run.code, 2);
  assert.match(run.stderr, /--from 2026-10-05 is after --to 2026-10-01/);
});

test.run();
