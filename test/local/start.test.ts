/**
 * `npm start` end to end, as a user runs it: the whole pipeline on a platform of its own, a
 * reconciled report, report.html drawn in headless Chromium, and no process left behind; Ctrl-C
 * in the middle stops everything it started, and the next start works.
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {which} from '../../local/prerequisites';
import {isProcessGone} from '../support/process-gone';
import {descendantsOf, watchProcessTree} from '../support/process-tree';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'npm-start-test-'));

test.after(() => rmSync(dir, {recursive: true, force: true}));

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seen: Map<number, string>;
}

/** Runs a command to its end, watching its process tree; `onTree` may act on it meanwhile. */
function runWatched(
  command: string,
  args: string[],
  onTree?: (pid: number, tree: Map<number, string>) => boolean,
): Promise<Finished> {
  return new Promise(resolve => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: {...process.env, FORCE_COLOR: '0'},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const watch = watchProcessTree(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let acted = false;
    const poll = onTree
      ? setInterval(() => {
          if (!acted && onTree(child.pid!, descendantsOf(child.pid!)))
            acted = true;
        }, 200)
      : undefined;
    child.once('close', (code, signal) => {
      clearInterval(poll);
      watch.stop();
      resolve({code, signal, stdout, stderr, seen: watch.seen});
    });
  });
}

const commandsOf = (run: Finished) => [...run.seen.values()];

async function assertAllGone(seen: Map<number, string>): Promise<void> {
  const deadline = Date.now() + 10_000;
  let left = [...seen.keys()].filter(pid => !isProcessGone(pid));
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 200));
    left = left.filter(pid => !isProcessGone(pid));
  }
  assert.equal(
    left.map(pid => `${pid} ${seen.get(pid)}`),
    [],
    'no process of the run is left',
  );
}

test('Ctrl-C (SIGINT) in the middle of a run stops every process it started', async () => {
  const run = await runWatched(
    process.execPath,
    [
      '--import',
      'tsx',
      'local/start.ts',
      '--days',
      '1',
      '--per-hour',
      '100',
      '--report',
      join(dir, 'interrupted.html'),
    ],
    (pid, tree) => {
      // Once the functions are served (the platform, its emulators and two function processes run).
      if (
        ![...tree.values()].some(
          c =>
            c.includes('functions-framework') && c.includes('pubsubReplicate'),
        )
      )
        return false;
      process.kill(pid, 'SIGINT');
      return true;
    },
  );
  assert.is(run.code, 130, `exit ${run.code} ${run.signal}\n${run.stderr}`);
  const commands = [...run.seen.values()];
  for (const part of [
    'cbtemulator',
    'mariadbd',
    'pubsub-emulator',
    'fake-gcs-server',
    'httpGenerate',
    'pubsubReplicate',
  ]) {
    assert.ok(
      commands.some(c => c.includes(part)),
      `${part} was started (seen: ${commands.join(' | ')})`,
    );
  }
  await assertAllGone(run.seen);
  assert.not.ok(
    existsSync(join(dir, 'interrupted.html')),
    'no report for an interrupted run',
  );
});

test('npm start -- --days 2 --late 2: late hours restate their days, reconciled, report.html drawn in Chromium, nothing left running', async () => {
  const html = join(dir, 'report.html');
  const run = await runWatched('npm', [
    '--silent',
    'start',
    '--',
    '--days',
    '2',
    '--per-hour',
    '100',
    '--late',
    '2',
    '--json',
    '--report',
    html,
  ]);
  assert.is(run.code, 0, run.stdout + run.stderr);
  const report = JSON.parse(run.stdout) as {
    days: string[];
    verdict: string;
    reportHtml: string;
    phases: Array<{name: string; ms: number; items?: number; rate?: number}>;
    late: {
      hours: number;
      slots: string[];
      transactions: number;
      restated: Array<{
        day: string;
        oldTotals: {transactions: number};
        newTotals: {transactions: number};
      }>;
    };
    reconciliation: {
      ok: boolean;
      days: Array<{
        day: string;
        ok: boolean;
        thresholdSignal: string;
        avroDuplicates: number;
        stores: Record<
          string,
          {
            count: number;
            currencies: Record<string, {count: number; sumMinor: string}>;
          } | null
        >;
      }>;
    };
  };
  assert.is(report.verdict, 'reconciled');
  assert.is(report.days.length, 2);
  assert.is(report.reportHtml, html);
  assert.equal(
    report.phases.map(p => p.name),
    [
      'platform',
      'build',
      'provision',
      'serve',
      'generate',
      'replicate',
      'publish',
      'daily-job',
      'flex-template',
      'late',
      'late-replicate',
      'late-publish',
      'restate',
      'late-flex-template',
      'reconcile',
    ],
  );
  // Two late hours of 100 rows, one in each day: every store holds the day's 2400 scheduled rows plus them.
  assert.is(report.late.hours, 2);
  assert.is(report.late.transactions, 200);
  const perDay = new Map(
    report.days.map(d => [
      d,
      2400 + 100 * report.late.slots.filter(s => s.startsWith(d)).length,
    ]),
  );
  assert.ok(report.late.restated.length >= 1, JSON.stringify(report.late));
  for (const r of report.late.restated)
    assert.equal(
      [r.oldTotals.transactions, r.newTotals.transactions],
      [2400, perDay.get(r.day)],
      r.day,
    );
  assert.equal(
    report.late.restated.map(r => r.day).sort(),
    [...perDay].filter(([, n]) => n > 2400).map(([d]) => d),
    'every day with a late hour is restated',
  );
  const generate = report.phases.find(p => p.name === 'generate')!;
  assert.is(generate.items, 2 * 24 * 100);
  assert.ok(generate.rate! > 0);
  for (const day of report.reconciliation.days) {
    assert.ok(day.ok, day.day);
    for (const store of [
      'sql',
      'txn_tbl',
      'csv',
      'summary_table',
      'avro_topic',
    ])
      assert.is(
        day.stores[store]?.count,
        perDay.get(day.day),
        `${day.day} ${store}`,
      );
    // Every transaction of the day reached the AVRO topic, with Cloud SQL's exact sums per currency.
    assert.equal(
      day.stores.avro_topic!.currencies,
      day.stores.sql!.currencies,
      `${day.day} avro_topic currencies`,
    );
    assert.type(day.avroDuplicates, 'number');
    assert.is(day.thresholdSignal, 'HIGH');
  }
  const publish = report.phases.find(p => p.name === 'publish')!;
  assert.ok(
    publish.items! >= 2 * 2400,
    `publish read ${publish.items} messages`,
  );
  const latePublish = report.phases.find(p => p.name === 'late-publish')!;
  assert.ok(
    latePublish.items! >= 200,
    `late-publish read ${latePublish.items} messages`,
  );
  assert.ok(
    commandsOf(run).some(
      c => c.includes('functions-framework') && c.includes('bigtableToAvro'),
    ),
    'bigtableToAvro was served',
  );
  await assertAllGone(run.seen);

  const chromium = which('chromium');
  if (!chromium)
    throw new Error(
      'chromium is missing: install it with `apt-get install -y chromium` (or run `bash scripts/setup.sh`)',
    );
  const dom = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--dump-dom',
      `file://${html}`,
    ],
    {encoding: 'utf8', timeout: 60_000},
  );
  assert.is(dom.status, 0, dom.stderr);
  // The chart is drawn by the page's script: its marks exist only in the rendered DOM.
  const bars = [
    ...dom.stdout.matchAll(
      /<rect class="volume-bar" data-day="([\d-]+)" data-count="(\d+)"[^>]* height="([\d.]+)"/g,
    ),
  ];
  assert.equal(
    bars.map(m => [m[1], Number(m[2])]),
    report.days.map(d => [d, perDay.get(d)]),
  );
  assert.ok(
    bars.every(m => Number(m[3]) > 0),
    'bars have height',
  );
  const marks = [
    ...dom.stdout.matchAll(
      /<circle class="signal-mark signal-(\w+)" data-day="([\d-]+)"/g,
    ),
  ];
  assert.equal(
    marks.map(m => [m[2], m[1]]),
    report.days.map(d => [d, 'HIGH']),
  );
});

test('npm start -- --days 2 --chaos: functions killed, pushes twice and late, MariaDB restarted, still reconciled', async () => {
  const run = await runWatched(process.execPath, [
    '--import',
    'tsx',
    'local/start.ts',
    '--days',
    '2',
    '--per-hour',
    '100',
    '--chaos',
    '--json',
    '--report',
    join(dir, 'chaos.html'),
  ]);
  assert.is(run.code, 0, run.stdout + run.stderr);
  const report = JSON.parse(run.stdout) as {
    verdict: string;
    faults: Array<{kind: string; detail: string}>;
    reconciliation: {
      days: Array<{
        ok: boolean;
        avroDuplicates: number;
        stores: Record<
          string,
          {count: number; currencies: Record<string, unknown>}
        >;
      }>;
    };
  };
  const kinds = report.faults.map(f => f.kind);
  assert.is(
    kinds.filter(k => k === 'mariadb-restarted').length,
    1,
    JSON.stringify(report.faults),
  );
  assert.is(
    kinds.filter(k => k === 'function-killed').length,
    4,
    JSON.stringify(report.faults),
  );
  // 48 pushes at least, a quarter of them delayed or doubled: none at all would be a 1-in-a-million run.
  assert.ok(
    kinds.some(k => k === 'push-duplicated' || k === 'push-delayed'),
    JSON.stringify(report.faults),
  );
  assert.is(report.verdict, 'reconciled');
  for (const day of report.reconciliation.days) {
    for (const store of [
      'sql',
      'txn_tbl',
      'csv',
      'summary_table',
      'avro_topic',
    ])
      assert.is(day.stores[store]!.count, 2400, store);
    assert.equal(day.stores.avro_topic!.currencies, day.stores.sql!.currencies);
    assert.type(day.avroDuplicates, 'number');
  }
  // The killed instances were replaced: more function processes ran than the two served at first.
  const functionProcesses = commandsOf(run).filter(c =>
    c.includes('functions-framework'),
  );
  assert.ok(
    functionProcesses.length >= 3 + 4,
    `${functionProcesses.length} function processes`,
  );
  await assertAllGone(run.seen);
});

test.run();
