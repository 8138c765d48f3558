import {suite} from 'uvu';
import * as assert from 'uvu/assert';
import {addDays, type Day} from '../../../core/day';
import {
  type DailySummaryOptions,
  runDailySummary,
} from '../../../core/summary/daily-summary';
import {decodeSummaryCsv, summaryFileName} from '../../../core/summary-csv';
import {toRowEntry} from '../../../core/bigtable/txn-row';
import {
  isolatedBigtable,
  setWatermark,
  type TestBigtable,
  transactionsOf,
  watermarkAfter,
  writeTransactions,
} from './fixtures';
import {gcsStore, localStore, memoryLogger, type TestStore} from './stores';

// "Now" is fixed: yesterday is 2026-05-10 and the window looks back 10 days, to 2026-05-01.
const NOW = new Date('2026-05-11T01:00:00Z');
const RECENT: DailySummaryOptions = {scope: {kind: 'recent', lookbackDays: 10}};

for (const kind of ['local', 'gcs'] as const) {
  const it = suite(`daily summary run (${kind} store)`);
  let t: TestBigtable;
  let s: TestStore;

  it.before.each(async () => {
    t = await isolatedBigtable('daily-summary');
    s = kind === 'local' ? localStore() : await gcsStore();
  });
  it.after.each(async () => {
    await s.cleanup();
    await t.close();
  });

  const deps = (log = memoryLogger().log) => ({
    txnTable: t.txnTable,
    txnSchema: t.resources.bigtable.txn,
    stateTable: t.stateTable,
    stateSchema: t.resources.bigtable.state,
    store: s.store,
    log,
    now: () => NOW,
  });

  const read = async (day: Day) =>
    decodeSummaryCsv(
      (await s.store.read(summaryFileName(day))).toString('utf8'),
    );

  it('summarizes every complete day with transactions; a day no generation touched is not written', async () => {
    await writeTransactions(t, transactionsOf('2026-05-03', 400, 1));
    await writeTransactions(t, transactionsOf('2026-05-09', 250, 2));
    await setWatermark(t, watermarkAfter('2026-05-10'));
    const report = await runDailySummary(deps(), RECENT);
    assert.ok(report.ok);
    assert.equal(
      report.outcomes.map(o => [o.day, o.status]),
      [
        ['2026-05-03', 'written'],
        ['2026-05-09', 'written'],
      ],
    );
    assert.is(report.plan.empty.length, 8);
    assert.equal(
      await s.store.list(),
      ['2026-05-03', '2026-05-09'].map(summaryFileName),
    );
    const busy = await read('2026-05-03');
    assert.equal(busy.rejected, []);
    assert.equal(busy.rows.at(-1), {
      kind: 'grand-total',
      date: '2026-05-03',
      count: 400,
      line: busy.rows.length + 1,
    });
  });

  it('a backfill range writes an empty day too: its file has only the TOTAL,ALL line', async () => {
    await setWatermark(t, watermarkAfter('2026-05-10'));
    const report = await runDailySummary(deps(), {
      scope: {kind: 'range', from: '2026-05-02', to: '2026-05-02'},
    });
    assert.equal(
      report.outcomes.map(o => o.status),
      ['written'],
    );
    const empty = await read('2026-05-02');
    assert.equal(empty.rejected, []);
    assert.equal(
      empty.rows.map(({line: _, ...row}) => row),
      [{kind: 'grand-total', date: '2026-05-02', count: 0}],
    );
  });

  it('holds back a day the watermark has not passed, then writes it once replication catches up', async () => {
    await writeTransactions(t, transactionsOf('2026-05-10', 100, 3));
    // Replication is late: it has everything before 2026-05-10T18:00 only.
    await setWatermark(t, new Date('2026-05-10T18:00:00Z'));
    const {log, lines} = memoryLogger();
    const first = await runDailySummary(deps(log), RECENT);
    assert.ok(first.ok);
    assert.equal(first.plan.heldBack, ['2026-05-10']);
    assert.not.ok(
      (await s.store.list()).includes(summaryFileName('2026-05-10')),
    );
    assert.ok(
      lines.some(
        l =>
          l.severity === 'WARNING' &&
          String(l.message).includes('held back 2026-05-10'),
      ),
    );
    // The rest of the late day arrives, and the watermark passes the day's end.
    await writeTransactions(t, transactionsOf('2026-05-10', 50, 4, 'late'));
    await setWatermark(t, watermarkAfter('2026-05-10'));
    const second = await runDailySummary(deps(), RECENT);
    assert.equal(second.plan.toSummarize, ['2026-05-10']);
    assert.equal(
      (await read('2026-05-10')).rows.at(-1)?.kind === 'grand-total' &&
        (await read('2026-05-10')).rows.at(-1),
      {
        kind: 'grand-total',
        date: '2026-05-10',
        count: 150,
        line: (await read('2026-05-10')).rows.length + 1,
      },
    );
  });

  it('no watermark yet: every day is held back, nothing is read, and that is not a failure', async () => {
    await writeTransactions(t, transactionsOf('2026-05-05', 10, 5));
    const report = await runDailySummary(deps(), RECENT);
    assert.ok(report.ok);
    assert.equal(report.plan.heldBack, ['2026-05-05']);
    assert.is(report.plan.empty.length, 9);
    assert.equal(report.outcomes, []);
    assert.equal(await s.store.list(), []);
  });

  it('a rerun is a no-op: it reads no rows and leaves every file as it was', async () => {
    await writeTransactions(t, transactionsOf('2026-05-04', 300, 6));
    await setWatermark(t, watermarkAfter('2026-05-10'));
    await runDailySummary(deps(), RECENT);
    const before = await s.store.listVersions();
    const rerun = await runDailySummary(deps(), RECENT);
    assert.ok(rerun.ok);
    assert.equal(rerun.outcomes, []);
    assert.equal(rerun.plan.toSummarize, []);
    assert.equal(rerun.plan.toRestate, []);
    assert.equal(rerun.plan.alreadyWritten, ['2026-05-04']);
    assert.equal(
      await s.store.listVersions(),
      before,
      'same files, same versions',
    );
  });

  it('new rows for a summarized day restate it: a new version, the previous one kept under superseded/', async () => {
    await writeTransactions(t, transactionsOf('2026-05-04', 300, 6));
    await setWatermark(t, watermarkAfter('2026-05-10'));
    await runDailySummary(deps(), RECENT);
    const before = await s.store.read(summaryFileName('2026-05-04'));
    await writeTransactions(t, transactionsOf('2026-05-04', 5, 7, 'x'));
    const {log, lines} = memoryLogger();
    const rerun = await runDailySummary(deps(log), RECENT);
    assert.ok(rerun.ok);
    const outcome = rerun.outcomes[0];
    assert.is(outcome?.status, 'restated');
    assert.is(
      (await read('2026-05-04')).rows.at(-1)?.kind === 'grand-total' &&
        (await read('2026-05-04')).rows.at(-1)?.count,
      305,
    );
    if (outcome?.status === 'restated') {
      assert.ok((await s.store.read(outcome.superseded)).equals(before));
      assert.is(outcome.oldTotals.transactions, 300);
      assert.is(outcome.newTotals.transactions, 305);
    }
    assert.ok(
      lines.some(
        l =>
          l.status === 'restated' &&
          l.day === '2026-05-04' &&
          l.severity === 'WARNING',
      ),
    );
    const third = await runDailySummary(deps(), RECENT);
    assert.equal(third.outcomes, [], 'once restated, the day is written again');
  });

  it('a change that adds nothing (a retried generation) reads the day again but does not rewrite it', async () => {
    await writeTransactions(t, transactionsOf('2026-05-04', 300, 6));
    await setWatermark(t, watermarkAfter('2026-05-10'));
    await runDailySummary(deps(), RECENT);
    const before = await s.store.listVersions();
    await writeTransactions(t, transactionsOf('2026-05-04', 300, 6)); // the same rows again
    const rerun = await runDailySummary(deps(), RECENT);
    assert.equal(
      rerun.outcomes.map(o => o.status),
      ['unchanged'],
    );
    assert.equal(await s.store.listVersions(), before);
  });

  it('two concurrent runs write each day exactly once', async () => {
    for (let i = 0; i < 10; i++)
      await writeTransactions(
        t,
        transactionsOf(addDays('2026-05-01', i), 200, 10 + i),
      );
    await setWatermark(t, watermarkAfter('2026-05-10'));
    const [a, b] = await Promise.all([
      runDailySummary(deps(), RECENT),
      runDailySummary(deps(), RECENT),
    ]);
    assert.ok(a.ok && b.ok);
    for (let i = 0; i < 10; i++) {
      const day = addDays('2026-05-01', i);
      const statuses = [...a.outcomes, ...b.outcomes]
        .filter(o => o.day === day)
        .map(o => o.status);
      const writes = statuses.filter(status => status === 'written').length;
      assert.is(writes, 1, `${day}: ${statuses.join(', ')}`);
      assert.is((await read(day)).rows.at(-1)?.kind, 'grand-total');
    }
    assert.is((await s.store.list()).length, 10);
  });

  it('a day with malformed rows is held back with their keys; the other days are written', async () => {
    await writeTransactions(t, transactionsOf('2026-05-06', 100, 8));
    await writeTransactions(t, transactionsOf('2026-05-07', 100, 9));
    const [victim] = [...transactionsOf('2026-05-07', 1, 99, 'bad')];
    const entry = toRowEntry(victim!, t.resources.bigtable.txn);
    entry.data[
      t.resources.bigtable.txn.families.transaction
    ]!.amount_minor!.value = '-5';
    await t.txnTable.insert([entry]);
    await setWatermark(t, watermarkAfter('2026-05-10'));
    const {log, lines} = memoryLogger();
    const report = await runDailySummary(deps(log), RECENT);
    assert.not.ok(report.ok);
    const bad = report.outcomes.find(o => o.day === '2026-05-07');
    assert.is(bad?.status, 'malformed-rows');
    if (bad?.status === 'malformed-rows')
      assert.equal(
        bad.malformed.examples.map(e => e.key),
        [entry.key],
      );
    assert.is(report.outcomes.filter(o => o.status === 'written').length, 1);
    assert.not.ok(
      (await s.store.list()).includes(summaryFileName('2026-05-07')),
    );
    const error = lines.find(l => l.severity === 'ERROR');
    assert.match(String(error?.message), entry.key);
  });

  it('a dry run reads and summarizes but writes nothing', async () => {
    await writeTransactions(t, transactionsOf('2026-05-08', 120, 11));
    await setWatermark(t, watermarkAfter('2026-05-10'));
    const report = await runDailySummary(deps(), {...RECENT, dryRun: true});
    assert.ok(report.ok);
    const day = report.outcomes.find(o => o.day === '2026-05-08');
    assert.is(day?.status, 'dry-run');
    if (day?.status === 'dry-run')
      assert.match(
        day.csv,
        /^date,transaction_type,currency,transaction_count,amount_sum\n/,
      );
    assert.equal(await s.store.list(), []);
  });

  it('a backfill writes exactly its range, and still holds back days the watermark has not passed', async () => {
    await writeTransactions(t, transactionsOf('2026-01-15', 30, 12));
    await setWatermark(t, new Date('2026-01-17T06:00:00Z'));
    const report = await runDailySummary(deps(), {
      scope: {kind: 'range', from: '2026-01-14', to: '2026-01-18'},
    });
    assert.ok(report.ok);
    assert.equal(report.plan.toSummarize, [
      '2026-01-14',
      '2026-01-15',
      '2026-01-16',
    ]);
    assert.equal(report.plan.heldBack, ['2026-01-17', '2026-01-18']);
    assert.equal(
      await s.store.list(),
      ['2026-01-14', '2026-01-15', '2026-01-16'].map(summaryFileName),
    );
  });

  it('Cloud Run tasks split the days: together they write each day once', async () => {
    for (let i = 0; i < 10; i++)
      await writeTransactions(
        t,
        transactionsOf(addDays('2026-05-01', i), 20, 30 + i),
      );
    await setWatermark(t, watermarkAfter('2026-05-10'));
    const count = 3;
    const reports = await Promise.all(
      Array.from({length: count}, (_, index) =>
        runDailySummary(deps(), {...RECENT, task: {index, count}}),
      ),
    );
    const written = reports.flatMap(r => r.outcomes.map(o => o.day)).sort();
    assert.equal(
      written,
      Array.from({length: 10}, (_, i) => addDays('2026-05-01', i)),
    );
    for (const r of reports)
      assert.ok(r.outcomes.length >= 3 && r.outcomes.length <= 4);
  });

  it.run();
}
