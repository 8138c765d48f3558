/**
 * The check-mode plan of scripts/bootstrap.sh (which runs scripts/deploy.sh for the first deploy):
 * every gcloud command parsed by the real gcloud, then read for least privilege, for the split
 * between what an owner runs and what a push runs, and for the database password's path.
 */
import {spawnSync} from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {readArchiverConfig} from '../../changelog-archiver/config';
import {databaseLogin, defaultResources} from '../../core/resources';
import {printingErrors} from '../support/hooks';
import {
  type CheckRun,
  flag,
  isBinding,
  type PlannedCommand,
  requireGcloud,
  root,
  runCheck,
} from './check-plan';

const resources = defaultResources('finserv-check');
let run: CheckRun;

test.before(
  printingErrors(async () => {
    run = runCheck('scripts/bootstrap.sh', {timeoutMs: 15 * 60_000});
  }),
);

test.after(() => {
  if (run) rmSync(run.dir, {recursive: true, force: true});
});

const commands = (script?: string): PlannedCommand[] =>
  run.commands.filter(c => script === undefined || c.script === script);
const bindings = (): PlannedCommand[] => commands().filter(isBinding);
const starting = (prefix: string): PlannedCommand[] =>
  commands().filter(c => c.line.startsWith(prefix));
const member = (name: string) =>
  `serviceAccount:${name}@finserv-check.iam.gserviceaccount.com`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

test('bootstrap and its first deploy parse, every part in the plan', () => {
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr.slice(-4000)}`);
  assert.match(
    run.stdout,
    /deploy check: \d+ gcloud commands parsed by the real gcloud, none refused/,
  );
  assert.match(
    run.stdout,
    /bootstrap check: \d+ gcloud commands parsed by the real gcloud, none refused/,
  );
  for (const part of [
    'functions deploy httpGenerate',
    'functions deploy pubsubReplicate',
    'functions deploy bigtableToAvro',
    'scheduler jobs create pubsub avro-sweep-hourly',
    'run jobs deploy daily-summary',
    'dataflow flex-template build',
    'scheduler jobs create http generate-hourly',
    'scheduler jobs create http daily-summary-0100',
    'scheduler jobs create http flex-template-0200',
    'run jobs deploy changelog-archiver',
    'scheduler jobs create http changelog-archiver-5min',
    'dataflow flex-template run bit-table-transaction-updates',
    'bigtable instances tables update txn_tbl',
    'bigtable app-profiles create txn-change-stream',
    'sql users create finserv_admin',
    'builds triggers create github',
    'logging metrics create replication-watermark-lag',
    'alpha monitoring policies create',
  ]) {
    assert.ok(starting(part).length > 0, `${part} is not in the plan`);
  }
  assert.is(
    starting('alpha monitoring policies create').length,
    4,
    'four alerts',
  );
});

test('least privilege: no basic or admin role, no public member, no public function', () => {
  assert.ok(bindings().length > 40, `only ${bindings().length} bindings`);
  for (const binding of bindings()) {
    const role = flag(binding, 'role') ?? '';
    assert.not.match(role, /^roles\/(owner|editor|viewer)$/, binding.line);
    assert.not.match(
      role,
      /^roles\/(cloudsql\.admin|storage\.admin)$/,
      binding.line,
    );
    assert.not.match(
      flag(binding, 'member') ?? '',
      /allUsers|allAuthenticatedUsers/,
      binding.line,
    );
  }
  assert.not.ok(
    commands().some(c => c.args.includes('--allow-unauthenticated')),
  );
  const functions = starting('functions deploy');
  assert.is(functions.length, 3);
  for (const fn of functions) {
    assert.ok(fn.args.includes('--no-allow-unauthenticated'), fn.line);
    assert.match(
      flag(fn, 'service-account') ?? '',
      /^fs-[a-z-]+@finserv-check\.iam\.gserviceaccount\.com$/,
      fn.line,
    );
    assert.is(
      flag(fn, 'build-service-account'),
      'projects/finserv-check/serviceAccounts/fs-build@finserv-check.iam.gserviceaccount.com',
      fn.line,
    );
    assert.is(
      flag(fn, 'docker-repository'),
      'projects/finserv-check/locations/us-central1/repositories/finserv',
      fn.line,
    );
  }
  for (const build of starting('builds submit')) {
    assert.is(
      flag(build, 'service-account'),
      'projects/finserv-check/serviceAccounts/fs-build@finserv-check.iam.gserviceaccount.com',
      build.line,
    );
    assert.ok(
      flag(build, 'gcs-log-dir'),
      `${build.line}: a build under its own account needs its own logs bucket`,
    );
  }
});

test('every IAM binding is made by bootstrap; deploy grants nothing and makes no account, secret or user', () => {
  const deploy = commands('deploy');
  assert.ok(deploy.length >= 6, `deploy ran ${deploy.length} commands`);
  assert.equal(
    deploy.filter(isBinding).map(c => c.line),
    [],
  );
  for (const forbidden of [
    'iam service-accounts create',
    'services enable',
    'secrets ',
    'sql users',
    'projects ',
  ]) {
    assert.equal(
      deploy.filter(c => c.line.startsWith(forbidden)).map(c => c.line),
      [],
      forbidden,
    );
  }
  assert.ok(
    commands('bootstrap').filter(isBinding).length === bindings().length,
  );
  // deploy.sh cannot even call the IAM helpers: it never loads them.
  assert.not.match(
    readFileSync(path.join(root, 'scripts/deploy.sh'), 'utf8'),
    /^\s*(source|\.)\s+\S*lib\/(owner|iam|alerts)\.sh/m,
  );
});

test('grants are scoped to the resource a part touches', () => {
  const on = (prefix: string) =>
    bindings().filter(b => b.line.startsWith(prefix));
  // One instance-wide Bigtable role: the change-stream reader's viewer (instance metadata: the app
  // profile's routing, which the connector checks), no data.
  assert.equal(
    on('bigtable instances add-iam-policy-binding').map(
      b => `${flag(b, 'member')} ${flag(b, 'role')}`,
    ),
    [`${member('fs-change-stream')} roles/bigtable.viewer`],
    'no instance-wide Bigtable role with data access',
  );
  const tableGrants = on('bigtable instances tables add-iam-policy-binding')
    .map(b => `${b.args[4]} ${flag(b, 'member')} ${flag(b, 'role')}`)
    .sort();
  assert.equal(
    tableGrants,
    [
      `${resources.bigtable.summaries.id} ${member('fs-dataflow')} roles/bigtable.user`,
      `${resources.bigtable.state.id} ${member('fs-daily-summary')} roles/bigtable.reader`,
      `${resources.bigtable.state.id} ${member('fs-generate')} roles/bigtable.user`,
      `${resources.bigtable.state.id} ${member('fs-replicate')} roles/bigtable.user`,
      `${resources.bigtable.state.id} ${member('fs-avro')} roles/bigtable.user`,
      `${resources.bigtable.txn.id} ${member('fs-daily-summary')} roles/bigtable.reader`,
      `${resources.bigtable.txn.id} ${member('fs-replicate')} roles/bigtable.user`,
      `${resources.bigtable.txn.id} ${member('fs-avro')} roles/bigtable.user`,
      `${resources.bigtable.txn.id} ${member('fs-change-stream')} roles/bigtable.reader`,
      `__change_stream_md_table ${member('fs-change-stream')} roles/bigtable.user`,
    ].sort(),
  );
  const projectLevel = on('projects add-iam-policy-binding');
  for (const binding of projectLevel) {
    assert.not.match(
      flag(binding, 'role') ?? '',
      /artifactregistry/,
      `${binding.line}: Artifact Registry roles go on the repository`,
    );
    if (flag(binding, 'role') === 'roles/cloudsql.client') {
      assert.match(
        flag(binding, 'condition') ?? '',
        'resource.name == "projects/finserv-check/instances/fin-serv-instance"',
        binding.line,
      );
    }
  }
  const summaryRoles = bindings()
    .filter(b => flag(b, 'member') === member('fs-daily-summary'))
    .map(b => flag(b, 'role'));
  assert.not.ok(
    summaryRoles.some(r => r?.includes('artifactregistry')),
    'the Cloud Run service agent pulls same-project images',
  );
  // Only the deployer writes the template spec the scheduler launches; the workers only read it.
  const templates = on(
    'storage buckets add-iam-policy-binding gs://finserv-check-finserv-templates',
  );
  const writers = templates
    .filter(b => !/objectViewer$/.test(flag(b, 'role') ?? ''))
    .map(b => flag(b, 'member'));
  assert.equal(writers, [member('fs-deployer')]);
  assert.ok(
    templates.some(
      b =>
        flag(b, 'member') === member('fs-scheduler') &&
        flag(b, 'role') === 'roles/storage.objectViewer',
    ),
  );
  const topicGrants = on('pubsub topics add-iam-policy-binding')
    .map(b => `${b.args[3]} ${flag(b, 'member')} ${flag(b, 'role')}`)
    .sort();
  const pubsubAgent =
    'serviceAccount:service-000000000000@gcp-sa-pubsub.iam.gserviceaccount.com';
  assert.equal(
    topicGrants,
    [
      `${resources.pubsub.avroTopic} ${member('fs-avro')} roles/pubsub.publisher`,
      `${resources.pubsub.changes.topic} ${member('fs-change-stream')} roles/pubsub.publisher`,
      `${resources.pubsub.changes.topic} ${member('fs-change-stream')} roles/pubsub.viewer`,
      `${resources.pubsub.generatedDeadLetterTopic} ${pubsubAgent} roles/pubsub.publisher`,
      `${resources.pubsub.generatedTopic} ${member('fs-generate')} roles/pubsub.publisher`,
      `${resources.pubsub.replicatedDeadLetterTopic} ${pubsubAgent} roles/pubsub.publisher`,
      `${resources.pubsub.replicatedTopic} ${member('fs-replicate')} roles/pubsub.publisher`,
    ].sort(),
  );
  const tokenCreators = bindings().filter(
    b => flag(b, 'role') === 'roles/iam.serviceAccountTokenCreator',
  );
  assert.equal(
    tokenCreators.map(b => b.args[3]).sort(),
    [member('fs-avro-trigger'), member('fs-replicate-trigger')]
      .map(m => m.slice('serviceAccount:'.length))
      .sort(),
    "the Pub/Sub service agent mints the trigger accounts' tokens",
  );
  for (const agent of tokenCreators)
    assert.is(flag(agent, 'member'), pubsubAgent);
});

test("bigtableToAvro's accounts: exactly what the function and its trigger need", () => {
  // "GROUP RESOURCE ROLE" of every binding whose member is the account (an invoker binding is run.invoker).
  const rolesOf = (account: string) =>
    bindings()
      .filter(b => flag(b, 'member') === member(account))
      .map(b => {
        const verb = b.args.findIndex(arg => arg.endsWith('-policy-binding'));
        return `${b.args.slice(0, verb).join(' ')} ${b.args[verb + 1]} ${flag(b, 'role') ?? 'roles/run.invoker'}`;
      })
      .sort();
  assert.equal(rolesOf('fs-avro'), [
    `bigtable instances tables ${resources.bigtable.state.id} roles/bigtable.user`,
    `bigtable instances tables ${resources.bigtable.txn.id} roles/bigtable.user`,
    'projects finserv-check projects/finserv-check/roles/fsAvroSchemaReader',
    `pubsub topics ${resources.pubsub.avroTopic} roles/pubsub.publisher`,
  ]);
  assert.equal(
    rolesOf('fs-avro-trigger'),
    ['functions bigtableToAvro roles/run.invoker'].sort(),
  );
  const reader = starting('iam roles create fsAvroSchemaReader')[0];
  assert.ok(reader, 'the schema reader role is made');
  assert.is(
    flag(reader!, 'permissions'),
    'pubsub.topics.get,pubsub.schemas.get',
  );
  const reviser = starting('iam roles create fsAvroSchemaReviser')[0];
  assert.is(
    flag(reviser!, 'permissions'),
    'pubsub.schemas.get,pubsub.schemas.commit',
    'the deployer commits revisions, creates and deletes nothing',
  );
  const fn = starting('functions deploy bigtableToAvro')[0]!;
  for (const expected of [
    '--gen2',
    '--runtime=nodejs22',
    '--retry',
    '--no-allow-unauthenticated',
    `--trigger-topic=${resources.pubsub.replicatedTopic}`,
  ]) {
    assert.ok(fn.args.includes(expected), `${expected} in ${fn.line}`);
  }
  assert.is(
    flag(fn, 'service-account'),
    member('fs-avro').slice('serviceAccount:'.length),
  );
  assert.is(
    flag(fn, 'trigger-service-account'),
    member('fs-avro-trigger').slice('serviceAccount:'.length),
  );
  const deadLetters = starting('pubsub subscriptions update').filter(c =>
    c.line.includes('bigtabletoavro'),
  );
  assert.is(
    deadLetters.length,
    1,
    "the trigger's subscription gets a dead-letter policy, as pubsubReplicate's",
  );
  assert.is(
    flag(deadLetters[0]!, 'dead-letter-topic'),
    resources.pubsub.replicatedDeadLetterTopic,
  );
  const sweep = starting('scheduler jobs create pubsub avro-sweep-hourly')[0]!;
  assert.is(flag(sweep, 'topic'), resources.pubsub.replicatedTopic);
  assert.is(flag(sweep, 'message-body'), '{"sweep":"hourly"}');
  assert.is(flag(sweep, 'schedule'), '20 * * * *');
});

/**
 * The parameters of Google's "Bigtable change streams to Pub/Sub" template, as its documentation
 * lists them (README_Bigtable_Change_Streams_to_PubSub.md in GoogleCloudPlatform/DataflowTemplates,
 * generated from the template's own option annotations).
 */
const TEMPLATE_REQUIRED = [
  'pubSubTopic',
  'bigtableChangeStreamAppProfile',
  'bigtableReadInstanceId',
  'bigtableReadTableId',
];
const TEMPLATE_OPTIONAL = [
  'messageEncoding',
  'messageFormat',
  'stripValues',
  'dlqDirectory',
  'dlqRetryMinutes',
  'dlqMaxRetries',
  'useBase64Rowkeys',
  'pubSubProjectId',
  'useBase64ColumnQualifiers',
  'useBase64Values',
  'disableDlqRetries',
  'bigtableChangeStreamMetadataInstanceId',
  'bigtableChangeStreamMetadataTableTableId',
  'bigtableChangeStreamCharset',
  'bigtableChangeStreamStartTimestamp',
  'bigtableChangeStreamIgnoreColumnFamilies',
  'bigtableChangeStreamIgnoreColumns',
  'bigtableChangeStreamName',
  'bigtableChangeStreamResume',
  'bigtableReadProjectId',
];
const changes = resources.pubsub.changes;
const bucket = resources.storage.bucket;

/** `--NAME=k=v,k=v` of a command as an object. */
function pairs(command: PlannedCommand, name: string): Record<string, string> {
  const value = flag(command, name) ?? '';
  return Object.fromEntries(
    value
      .split(',')
      .filter(Boolean)
      .map(kv => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

test('change data capture: the change stream on txn_tbl, its app profile, the template launched once with its real parameters', () => {
  const retention = starting(
    `bigtable instances tables update ${resources.bigtable.txn.id} `,
  );
  assert.is(retention.length, 1);
  assert.is(
    flag(retention[0]!, 'change-stream-retention-period'),
    `${changes.retentionDays}d`,
  );
  const profile = starting(
    `bigtable app-profiles create ${changes.appProfile} `,
  );
  assert.is(profile.length, 1, 'created only where the describe found none');
  assert.is(
    flag(profile[0]!, 'route-to'),
    `${resources.bigtable.instance}-c1`,
    'single-cluster routing',
  );
  assert.ok(
    profile[0]!.args.includes('--transactional-writes'),
    'the connector refuses a profile without single-row transactions',
  );

  const launches = starting(`dataflow flex-template run ${changes.job} `);
  assert.is(
    launches.length,
    2,
    'check mode parses the first launch and the in-place update',
  );
  for (const launch of launches) {
    assert.is(
      launch.script,
      'bootstrap',
      'launched by the owner, not by a push',
    );
    assert.match(
      flag(launch, 'template-file-gcs-location') ?? '',
      /^gs:\/\/dataflow-templates-us-central1\/latest\/flex\/Bigtable_Change_Streams_to_PubSub$/,
    );
    assert.is(
      flag(launch, 'service-account-email'),
      'fs-change-stream@finserv-check.iam.gserviceaccount.com',
    );
    const parameters = pairs(launch, 'parameters');
    for (const name of TEMPLATE_REQUIRED)
      assert.ok(parameters[name], `${name} is required`);
    for (const name of Object.keys(parameters))
      assert.ok(
        [...TEMPLATE_REQUIRED, ...TEMPLATE_OPTIONAL].includes(name),
        `${name} is not a parameter of the template`,
      );
    assert.equal(
      [
        parameters.pubSubTopic,
        parameters.messageFormat,
        parameters.messageEncoding,
        parameters.bigtableReadInstanceId,
        parameters.bigtableReadTableId,
      ],
      [
        changes.topic,
        'AVRO',
        'BINARY',
        resources.bigtable.instance,
        resources.bigtable.txn.id,
      ],
    );
    assert.is(parameters.bigtableChangeStreamAppProfile, changes.appProfile);
    assert.is(parameters.bigtableChangeStreamName, changes.job);
    assert.is(
      parameters.dlqDirectory,
      `gs://${bucket}/${resources.storage.changeStreamDeadLetterPrefix}`,
    );
    assert.match(
      flag(launch, 'temp-location') ?? '',
      /^gs:\/\/finserv-check-finserv-dataflow\/change-stream\//,
    );
  }
  assert.equal(
    [
      launches[0]!.args.includes('--update'),
      pairs(launches[0]!, 'parameters').bigtableChangeStreamResume,
    ],
    [false, 'false'],
  );
  assert.equal(
    [
      launches[1]!.args.includes('--update'),
      pairs(launches[1]!, 'parameters').bigtableChangeStreamResume,
    ],
    [true, 'true'],
  );
  const lookup = commands().findIndex(
    c =>
      c.line.startsWith('dataflow jobs list') &&
      flag(c, 'status') === 'active' &&
      flag(c, 'filter') === `name=${changes.job}`,
  );
  assert.ok(
    lookup >= 0 && lookup < commands().indexOf(launches[0]!),
    'the active job is looked up before any launch',
  );
  assert.match(
    run.stderr,
    /would run: \S+ --import tsx scripts\/provision\.ts --resources/,
    'the topic and its schema come from core/provision',
  );
});

test('change data capture: the archiver is a Cloud Run Job every 5 minutes whose environment its own config accepts', () => {
  const jobs = starting('run jobs deploy changelog-archiver ');
  assert.is(jobs.length, 1);
  assert.is(jobs[0]!.script, 'deploy');
  assert.is(
    flag(jobs[0]!, 'service-account'),
    'fs-changelog-archiver@finserv-check.iam.gserviceaccount.com',
  );
  const config = readArchiverConfig(pairs(jobs[0]!, 'set-env-vars'));
  assert.equal(
    [config.subscription, config.archiveUri, config.deadLetterUri],
    [
      changes.archiverSubscription,
      `gs://${bucket}/${resources.storage.changelogPrefix}`,
      `gs://${bucket}/${resources.storage.changelogDeadLetterPrefix}`,
    ],
  );
  assert.ok(
    config.budgetMs < 300_000,
    'a run ends before the next scheduled one starts',
  );
  const schedule = starting(
    'scheduler jobs create http changelog-archiver-5min ',
  )[0]!;
  assert.is(flag(schedule, 'schedule'), '*/5 * * * *');
  assert.is(
    flag(schedule, 'uri'),
    'https://run.googleapis.com/v2/projects/finserv-check/locations/us-central1/jobs/changelog-archiver:run',
  );
  assert.is(
    flag(schedule, 'oauth-service-account-email'),
    'fs-scheduler@finserv-check.iam.gserviceaccount.com',
  );
});

test('change data capture: the template account and the archiver account hold only what they use', () => {
  const granted = (account: string) =>
    bindings()
      .filter(b => flag(b, 'member') === member(account))
      .map(b => {
        const verb = b.args.indexOf('add-iam-policy-binding');
        const condition = flag(b, 'condition');
        const title =
          condition && condition !== 'None'
            ? ` if ${condition.slice(condition.lastIndexOf('title=') + 6)}`
            : '';
        return `${b.args.slice(0, verb).join(' ')} ${b.args[verb + 1]} ${flag(b, 'role')}${title}`;
      })
      .sort();
  assert.equal(
    granted('fs-change-stream'),
    [
      'bigtable instances fin-bt roles/bigtable.viewer',
      'bigtable instances tables __change_stream_md_table roles/bigtable.user',
      `bigtable instances tables ${resources.bigtable.txn.id} roles/bigtable.reader`,
      'projects finserv-check roles/dataflow.worker',
      'projects finserv-check roles/pubsub.viewer if changelog-schema-only',
      `pubsub topics ${changes.topic} roles/pubsub.publisher`,
      `pubsub topics ${changes.topic} roles/pubsub.viewer`,
      'storage buckets gs://finserv-check-finserv-dataflow roles/storage.objectAdmin if change-stream-work-only',
      `storage buckets gs://${bucket} roles/storage.objectAdmin if change-stream-dlq-only`,
    ].sort(),
  );
  assert.equal(
    granted('fs-changelog-archiver'),
    [
      `pubsub subscriptions ${changes.archiverSubscription} roles/pubsub.subscriber`,
      `storage buckets gs://${bucket} roles/storage.objectCreator if changelog-errors-only`,
      `storage buckets gs://${bucket} roles/storage.objectCreator if changelog-only`,
      `storage buckets gs://${bucket} roles/storage.objectViewer if changelog-errors-read`,
      `storage buckets gs://${bucket} roles/storage.objectViewer if changelog-read`,
    ].sort(),
  );
  // Each storage grant names its prefix in the condition: objects elsewhere in the bucket are out of reach.
  const prefixes: Record<string, string> = {
    'change-stream-dlq-only': resources.storage.changeStreamDeadLetterPrefix,
    'change-stream-work-only': 'change-stream/',
    'changelog-only': resources.storage.changelogPrefix,
    'changelog-read': resources.storage.changelogPrefix,
    'changelog-errors-only': resources.storage.changelogDeadLetterPrefix,
    'changelog-errors-read': resources.storage.changelogDeadLetterPrefix,
  };
  for (const b of bindings().filter(
    b =>
      b.line.startsWith('storage buckets') &&
      [member('fs-change-stream'), member('fs-changelog-archiver')].includes(
        flag(b, 'member')!,
      ),
  )) {
    const condition = flag(b, 'condition') ?? '';
    const title = condition.slice(condition.lastIndexOf('title=') + 6);
    const target = b.args[3]!.slice('gs://'.length);
    assert.ok(
      condition.startsWith(
        `expression=resource.name.startsWith("projects/_/buckets/${target}/objects/${prefixes[title]}")`,
      ),
      b.line,
    );
  }
  // Later pushes redeploy the archiver (run.developer on that job only) as it.
  assert.ok(
    bindings().some(
      b =>
        b.line.startsWith(
          'run jobs add-iam-policy-binding changelog-archiver',
        ) &&
        flag(b, 'member') === member('fs-deployer') &&
        flag(b, 'role') === 'roles/run.developer',
    ),
  );
  assert.ok(
    bindings().some(
      b =>
        b.line.startsWith(
          'run jobs add-iam-policy-binding changelog-archiver',
        ) &&
        flag(b, 'member') === member('fs-scheduler') &&
        flag(b, 'role') === 'roles/run.invoker',
    ),
  );
});

test('each part reads its own database secret pair, named as core/resources.ts names them', () => {
  for (const [fn, part] of [
    ['httpGenerate', 'generate'],
    ['pubsubReplicate', 'replicate'],
  ] as const) {
    const env =
      flag(starting(`functions deploy ${fn}`)[0]!, 'set-env-vars') ?? '';
    const login = databaseLogin(part);
    assert.match(
      env,
      `DB_USER_SECRET=${login.userSecret},DB_PASSWORD_SECRET=${login.passwordSecret}`,
    );
    const readers = bindings().filter(
      b =>
        b.line.startsWith('secrets add-iam-policy-binding') &&
        flag(b, 'member') === member(`fs-${part}`),
    );
    assert.equal(
      readers.map(b => b.args[2]).sort(),
      [login.passwordSecret, login.userSecret].sort(),
    );
  }
  const deployerSecrets = bindings().filter(
    b =>
      b.line.startsWith('secrets add-iam-policy-binding') &&
      flag(b, 'member') === member('fs-deployer'),
  );
  assert.equal(
    deployerSecrets.map(b => b.args[2]).sort(),
    [
      databaseLogin('migrate').passwordSecret,
      databaseLogin('migrate').userSecret,
    ].sort(),
  );
});

test('the generated password reaches no command line, output or gcloud log', () => {
  assert.ok(
    run.passwords.length >= 1,
    'check mode generated the admin password',
  );
  assert.not.ok(
    commands().some(c => c.args.some(a => a.startsWith('--password'))),
    'no --password argument',
  );
  const setters = commands().filter(
    c =>
      c.line.startsWith('sql users create') ||
      c.line.startsWith('sql users set-password'),
  );
  assert.ok(setters.length >= 2);
  for (const setter of setters)
    assert.ok(setter.args.includes('--flags-file=/dev/stdin'), setter.line);
  const logs = filesUnder(path.join(run.dir, 'gcloud-config')).filter(f =>
    f.includes(`${path.sep}logs${path.sep}`),
  );
  assert.ok(logs.length > 50, `gcloud wrote ${logs.length} log files`);
  const haystacks = [
    readFileSync(path.join(run.dir, 'commands'), 'utf8'),
    run.stdout,
    run.stderr,
    ...filesUnder(path.join(run.dir, 'gcloud-config')).map(f =>
      readFileSync(f, 'utf8'),
    ),
  ];
  for (const password of run.passwords) {
    assert.ok(
      haystacks.every(text => !text.includes(password)),
      'the password was found',
    );
  }
});

test('the log check can fail: through the same gc, without the file-logging switch, gcloud logs the password', () => {
  requireGcloud();
  const dir = mkdtempSync(path.join(tmpdir(), 'gcloud-log-'));
  try {
    const canary = `canary${Date.now()}`;
    // gc_with_password minus CLOUDSDK_CORE_DISABLE_FILE_LOGGING (a real pipe: /dev/stdin of a socket cannot be opened).
    const script =
      'source scripts/lib/gcloud.sh; printf -- \'--password: "%s"\\n\' "$1" | gc sql users create u --instance=i --host=% --flags-file=/dev/stdin';
    const run = spawnSync('bash', ['-c', script, 'bash', canary], {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        DEPLOY_CHECK: '1',
        DEPLOY_PLAN_DIR: dir,
        PROJECT_ID: 'finserv-check',
      },
    });
    assert.is(run.status, 0, run.stderr);
    const logs = filesUnder(path.join(dir, 'gcloud-config')).map(f =>
      readFileSync(f, 'utf8'),
    );
    assert.ok(
      logs.some(text => text.includes(canary)),
      'gcloud no longer logs flag values: the check above proves less',
    );
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test('check mode stops at a misspelt flag, naming the command', () => {
  requireGcloud();
  const run = spawnSync(
    'bash',
    [
      '-c',
      'source scripts/lib/gcloud.sh; gc sql instances create x --enable-binary-log; echo reached',
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: {...process.env, DEPLOY_CHECK: '1', PROJECT_ID: 'finserv-check'},
    },
  );
  assert.is(run.status, 1);
  assert.not.match(run.stdout, 'reached');
  assert.match(
    run.stderr,
    'check: gcloud sql instances create x --enable-binary-log',
  );
  assert.match(run.stderr, 'unrecognized arguments');
});

test.run();
