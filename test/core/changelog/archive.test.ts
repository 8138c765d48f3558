/**
 * The change-log archiver against the real Pub/Sub emulator and fake-gcs-server. The Bigtable
 * emulator has no change streams, so the tests publish what Google's change-stream template would:
 * ChangelogEntryMessage records, AVRO, BINARY-encoded, through the topic that enforces that schema.
 */
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  type ArchiveDeps,
  archiveChanges,
} from '../../../core/changelog/archive';
import {hourOf} from '../../../core/changelog/archive-layout';
import {
  type ChangeRecord,
  changeIdentity,
  encodeChange,
} from '../../../core/changelog/change-record';
import {decodeContainer} from '../../../core/changelog/container-file';
import {readChanges} from '../../../core/changelog/read-archive';
import {createLogger} from '../../../core/log';
import type {BatchSubscriber} from '../../../core/pubsub/pulled-batch';
import {streamedBatchSubscriber} from '../../../core/pubsub/streamed-batch';
import {openObjectStore} from '../../../core/storage/open';
import type {ObjectStore} from '../../../core/storage/object-store';
import {printingErrors} from '../../support/hooks';
import {type SuiteEnv, suiteEnv} from '../../support/suite-env';
import {transactionsOf} from '../summary/fixtures';
import {
  passedToPubSubChange,
  publishChanges,
  replicationChanges,
} from './change-messages';

let env: SuiteEnv;
const subscribers: BatchSubscriber[] = [];
const ACK_DEADLINE_S = 10;

test.before(
  printingErrors(async () => {
    env = await suiteEnv('changelog', {
      provisionOptions: {pubsub: {changesAckDeadlineSeconds: ACK_DEADLINE_S}},
    });
  }),
);

test.after(async () => {
  await Promise.allSettled(subscribers.map(s => s.close()));
  await env?.close();
});

interface Archiver {
  archive: ObjectStore;
  deadLetters: ObjectStore;
  /** Variables that point the deployed archiver at the same subscription and stores. */
  vars: Record<string, string>;
  deps: ArchiveDeps;
}

/**
 * Each test has a subscription (like the provisioned one: pull, ack deadline 10 s) and an archive
 * root of its own, so no test sees another's messages.
 */
async function archiver(name: string): Promise<Archiver> {
  const bucket = env.resources.storage.bucket;
  const archiveUri = `gs://${bucket}/${name}/${env.resources.storage.changelogPrefix}`;
  const deadLetterUri = `gs://${bucket}/${name}/${env.resources.storage.changelogDeadLetterPrefix}`;
  const subscription = `${env.resources.pubsub.changes.archiverSubscription}-${name}`;
  await env.pubsub
    .topic(env.resources.pubsub.changes.topic)
    .createSubscription(subscription, {ackDeadlineSeconds: ACK_DEADLINE_S});
  const subscriber = await streamedBatchSubscriber(env.pubsub, subscription, {
    streams: 2,
    maxOutstanding: 200,
    ackDeadlineSeconds: ACK_DEADLINE_S,
    waitMs: 5_000,
  });
  subscribers.push(subscriber);
  const archive = openObjectStore(archiveUri, () => env.storage);
  const deadLetters = openObjectStore(deadLetterUri, () => env.storage);
  return {
    archive,
    deadLetters,
    vars: {
      CHANGELOG_URI: archiveUri,
      CHANGELOG_DEAD_LETTER_URI: deadLetterUri,
      CHANGELOG_SUBSCRIPTION: subscription,
    },
    deps: {
      subscriber,
      archive,
      deadLetters,
      log: createLogger('test', undefined, 'silent'),
    },
  };
}

const txnSchema = () => env.resources.bigtable.txn;

/** The changes of replicating `count` transactions of a day, committed over three hours of the next, then their publication marks. */
function dayOfChanges(seed: number, count: number): ChangeRecord[] {
  const txns = [...transactionsOf('2026-11-20', count, seed, `c${seed}x`)];
  const records: ChangeRecord[] = [];
  txns.forEach((txn, i) => {
    const commit = new Date(Date.UTC(2026, 10, 21, 1 + (i % 3), 15, 0, i));
    const rows = replicationChanges(txn, txnSchema(), commit);
    records.push(
      ...rows,
      passedToPubSubChange(
        rows[0]!.rowKey.toString(),
        txnSchema(),
        new Date(commit.getTime() + 60_000),
        `m-${seed}-${i}`,
      ),
    );
  });
  return records;
}

/** Archives until `expected` distinct records are in the archive (redeliveries wait out the ack deadline). */
async function archiveUntil(
  d: ArchiveDeps,
  expected: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await archiveChanges(d, {
      batchSize: 25,
      fillMs: 500,
      concurrency: 2,
      budgetMs: 30_000,
      idlePulls: 1,
    });
    const {changes} = await readChanges(d.archive, {
      from: new Date('2026-11-20T00:00:00Z'),
      to: new Date('2026-11-23T00:00:00Z'),
    });
    if (changes.length >= expected || Date.now() > deadline) return;
  }
}

async function archivedRecords(archive: ObjectStore): Promise<{
  names: string[];
  records: Array<{name: string; record: ChangeRecord}>;
}> {
  const names = await archive.list();
  const records = [];
  for (const name of names)
    for (const record of await decodeContainer(await archive.read(name), name))
      records.push({name, record});
  return {names, records};
}

test('every change published twice is archived, in batches partitioned by commit hour, and read back once', async () => {
  const s = await archiver('twice');
  const records = dayOfChanges(1, 12);
  await publishChanges(env.pubsub, env.resources.pubsub.changes.topic, [
    ...records,
    ...records,
  ]);
  await archiveUntil(s.deps, records.length);
  await archiveChanges(s.deps, {
    batchSize: 25,
    fillMs: 500,
    concurrency: 2,
    budgetMs: 10_000,
    idlePulls: 2,
  }); // whatever is left of the duplicates

  const stored = await archivedRecords(s.archive);
  assert.ok(
    stored.names.length < records.length / 4,
    `batched: ${stored.names.length} objects for ${records.length * 2} messages`,
  );
  for (const {name, record} of stored.records)
    assert.is(
      name.slice(0, 14),
      hourOf(record.commitTimestamp),
      `${name} holds only its hour`,
    );
  assert.equal(
    new Set(stored.records.map(r => changeIdentity(r.record))),
    new Set(records.map(changeIdentity)),
    'every record is in the archive',
  );

  const read = await readChanges(s.archive, {
    from: new Date('2026-11-21T00:00:00Z'),
    to: new Date('2026-11-21T23:59:59Z'),
  });
  assert.is(read.changes.length, records.length, 'each record read once');
  assert.is(read.duplicates, stored.records.length - records.length);

  const oneHour = await readChanges(s.archive, {
    from: new Date('2026-11-21T02:00:00Z'),
    to: new Date('2026-11-21T02:59:59.999Z'),
  });
  assert.is(
    oneHour.objectsRead,
    stored.names.filter(n => n.startsWith('2026-11-21/02/')).length,
    'a span reads only its hours',
  );
  assert.is(
    oneHour.changes.length,
    records.filter(r => hourOf(r.commitTimestamp) === '2026-11-21/02/').length,
  );
});

test('a malformed message goes to the dead letters with its reason; the rest are archived', async () => {
  const s = await archiver('malformed');
  const records = dayOfChanges(2, 3);
  // Valid for the topic's schema (so Pub/Sub takes it), but no change can set a cell without a value.
  const bad: ChangeRecord = {...records[0]!, value: null};
  const [badId] = await publishChanges(
    env.pubsub,
    env.resources.pubsub.changes.topic,
    [bad],
  );
  await publishChanges(env.pubsub, env.resources.pubsub.changes.topic, records);
  const refused = await env.pubsub
    .topic(env.resources.pubsub.changes.topic)
    .publishMessage({data: Buffer.from('not avro')})
    .then(
      () => 'accepted',
      (error: Error) => error.message,
    );
  assert.match(
    refused,
    /INVALID_ARGUMENT/,
    'the topic itself refuses what is not a ChangelogEntryMessage',
  );
  await archiveUntil(s.deps, records.length);

  const letters = await s.deadLetters.list();
  assert.is(letters.length, 1, letters.join());
  const letter = JSON.parse((await s.deadLetters.read(letters[0]!)).toString());
  assert.is(letter.messageId, badId);
  assert.is(letter.reason, 'SET_CELL without a value');
  assert.ok(
    Buffer.from(letter.data, 'base64').equals(encodeChange(bad)),
    'the message body is kept as it came',
  );
  const read = await readChanges(s.archive, {
    from: new Date('2026-11-21T00:00:00Z'),
    to: new Date('2026-11-22T00:00:00Z'),
  });
  assert.equal(
    new Set(read.changes.map(changeIdentity)),
    new Set(records.map(changeIdentity)),
  );
});

test('the archiver SIGKILLed mid-batch: after redelivery every change is archived once, nothing lost', async () => {
  const s = await archiver('crash');
  const records = dayOfChanges(3, 9); // three commit hours: one batch makes three objects
  await publishChanges(env.pubsub, env.resources.pubsub.changes.topic, records);
  const crashed = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'crash-fixture.ts')],
    {
      env: {
        ...process.env,
        ...env.vars,
        ...s.vars,
        CHANGELOG_BATCH_SIZE: '1000',
        CHANGELOG_CONCURRENCY: '1',
        CHANGELOG_ACK_DEADLINE_SECONDS: String(ACK_DEADLINE_S),
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.is(
    crashed.signal,
    'SIGKILL',
    `the archiver died by SIGKILL (status ${crashed.status}, ${crashed.stderr})`,
  );
  const before = await archivedRecords(s.archive);
  assert.is(
    before.names.length,
    1,
    'one object of the batch was written before the crash',
  );
  assert.ok(
    before.records.length < records.length,
    'and the batch was not finished',
  );

  await archiveUntil(s.deps, records.length);
  const after = await archivedRecords(s.archive);
  assert.equal(
    new Set(after.records.map(r => changeIdentity(r.record))),
    new Set(records.map(changeIdentity)),
    'every change is archived',
  );
  const read = await readChanges(s.archive, {
    from: new Date('2026-11-21T00:00:00Z'),
    to: new Date('2026-11-22T00:00:00Z'),
  });
  assert.is(read.changes.length, records.length, 'each change read once');
});

test('`npm run changelog -- --row KEY` prints the row history from the archive: its replication cells, then passed_to_pub_sub', async () => {
  const s = await archiver('cli');
  const [txn] = [...transactionsOf('2026-11-20', 1, 4, 'cli')];
  const commit = new Date('2026-11-21T03:04:05.678Z');
  const cells = replicationChanges(txn!, txnSchema(), commit);
  const key = cells[0]!.rowKey.toString();
  const mark = passedToPubSubChange(
    key,
    txnSchema(),
    new Date('2026-11-21T04:00:00Z'),
    'msg-1',
  );
  const other = dayOfChanges(5, 2);
  await publishChanges(env.pubsub, env.resources.pubsub.changes.topic, [
    ...cells,
    mark,
    ...other,
    ...cells,
  ]);
  await archiveUntil(s.deps, cells.length + 1 + other.length);

  const cli = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(__dirname, '../../../scripts/changelog.ts'),
        ...args,
      ],
      {
        env: {
          ...process.env,
          ...env.vars,
          CHANGELOG_URI: s.vars.CHANGELOG_URI!,
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
  const json = cli('--row', key, '--json');
  assert.is(json.status, 0, json.stderr);
  const history = json.stdout
    .trim()
    .split('\n')
    .map(line => JSON.parse(line));
  assert.equal(
    history.map(c => [c.modType, c.cell, c.value]),
    [
      ['SET_CELL', 'delivery:batch_id', txn!.batchId],
      ['SET_CELL', 'txn:account_id', txn!.accountId],
      ['SET_CELL', 'txn:amount_minor', txn!.amountMinor.toString()],
      ['SET_CELL', 'txn:currency', txn!.currency],
      ['SET_CELL', 'txn:merchant', txn!.merchant],
      ['SET_CELL', 'txn:merchant_category', txn!.merchantCategory],
      ['SET_CELL', 'txn:type', txn!.type],
      [
        'SET_CELL',
        'delivery:passed_to_pub_sub',
        JSON.stringify({at: '2026-11-21T04:00:00.000Z', messageId: 'msg-1'}),
      ],
    ],
  );
  assert.ok(
    history
      .slice(0, 7)
      .every(
        c =>
          c.commitTime === '2026-11-21T03:04:05.678000Z' &&
          c.cellTime === `${txn!.occurredAt.toISOString().slice(0, 23)}000Z`,
      ),
  );
  assert.is(history[7].commitTime, '2026-11-21T04:00:00.000000Z');
  assert.match(
    json.stderr,
    /^changelog: 8 changes from \d+ objects of gs:\/\//,
  );

  const text = cli('--row', key);
  assert.is(text.status, 0, text.stderr);
  assert.match(
    text.stdout,
    new RegExp(
      `SET_CELL +${key} {2}txn:amount_minor {2}@\\S+ {2}= "${txn!.amountMinor}"`,
    ),
  );

  const span = cli(
    '--from',
    '2026-11-21T04:00:00Z',
    '--to',
    '2026-11-21T04:59:59Z',
    '--json',
  );
  assert.is(span.status, 0, span.stderr);
  assert.equal(
    span.stdout
      .trim()
      .split('\n')
      .map(line => JSON.parse(line).cell),
    ['delivery:passed_to_pub_sub'],
  );

  const bad = cli('--row', key, '--to', 'yesterday');
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--to must be an ISO instant/);
  assert.match(cli('--help').stdout, /Usage: npm run changelog/);
});

test.run();
