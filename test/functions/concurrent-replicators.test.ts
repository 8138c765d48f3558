import {test} from 'uvu';
import * as assert from 'uvu/assert';
import type {RowDataPacket} from 'mysql2/promise';
import {type SuiteEnv, suiteEnv} from '../support/suite-env';
import {
  cellVersionRange,
  countRows,
  deliver,
  logLines,
  pastHour,
  pushEnvelope,
  seedBatches,
} from './fixtures';
import {type ServedFunction, serveFunction} from './served-function';
import {printingErrors} from '../support/hooks';

const REPLICATORS = 4;
const ROWS = 50_000;

let env: SuiteEnv;
let replicators: ServedFunction[] = [];

test.before(
  printingErrors(async () => {
    env = await suiteEnv('fn-concurrent');
    replicators = await Promise.all(
      Array.from({length: REPLICATORS}, () =>
        serveFunction('pubsubReplicate', env.vars),
      ),
    );
    assert.is(await seedBatches(env.pool, 'fifty', 5, ROWS / 5), ROWS);
  }),
);

test.after(async () => {
  await Promise.allSettled(replicators.map(r => r.stop()));
  await env?.close();
});

test(`${REPLICATORS} replicators at once over ${ROWS} rows: every row in Bigtable exactly once, every flag true`, async () => {
  const signal = {
    batchId: 'key-fifty-0',
    rowCount: ROWS / 5,
    slotStart: pastHour(4),
    firstOccurredAt: null,
    lastOccurredAt: null,
  };
  const started = Date.now();
  const answers = await Promise.all(
    replicators.map((r, i) =>
      deliver(
        r.url,
        env.resources.project,
        env.resources.pubsub.generatedTopic,
        pushEnvelope(signal, 's', `m-${i}`),
      ),
    ),
  );
  const elapsed = Date.now() - started;
  answers.forEach((answer, i) => {
    const errors = logLines(replicators[i]!.log()).filter(
      line => line.severity === 'ERROR' || line.severity === 'WARNING',
    );
    assert.ok(
      answer.ok,
      `replicator ${i}: status ${answer.status}; ${JSON.stringify(errors).slice(0, 2000)}`,
    );
  });

  assert.is(await countRows(env.pool, 'sent_to_big_table = TRUE'), ROWS);

  // No row was claimed twice: the replicated counts of the four add up to exactly the rows.
  const counts = replicators.map(r => {
    const done = logLines(r.log()).find(
      line => line.message === 'replication complete',
    );
    assert.ok(done, 'each replicator reports completion');
    return Number(done!.replicated);
  });
  assert.is(
    counts.reduce((a, b) => a + b, 0),
    ROWS,
    `per replicator: ${counts.join(', ')}`,
  );
  assert.ok(
    counts.filter(c => c > 0).length >= 2,
    `the work was shared: ${counts.join(', ')}`,
  );

  const table = env.bigtable
    .instance(env.resources.bigtable.instance)
    .table(env.resources.bigtable.txn.id);
  const [rows] = await table.getRows();
  assert.is(rows.length, ROWS);
  const keys = new Set(rows.map(row => row.id));
  assert.is(keys.size, ROWS);
  const ids = new Set(rows.map(row => row.id.split('#')[3]));
  const [sqlIds] = await env.pool.query<RowDataPacket[]>(
    'SELECT id FROM transactions',
  );
  assert.is(ids.size, ROWS);
  for (const {id} of sqlIds) assert.ok(ids.has(id), `${id} is in Bigtable`);
  assert.equal(await cellVersionRange(table), [1, 1]);
  console.log(
    `    ${REPLICATORS} replicators: ${ROWS} rows in ${elapsed} ms (${counts.join(' + ')})`,
  );
});

test.run();
