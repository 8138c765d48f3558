import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {connect} from 'node:net';
import {ConfigError, readConfig} from '../../../core/config';
import {
  CachedSecrets,
  InMemorySecrets,
  SecretError,
} from '../../../core/secrets';
import {
  type SqlConnector,
  SqlUnavailableError,
  openSqlPool,
  readSqlConnection,
} from '../../../core/sql/connect';
import {readGenerateConfig} from '../../../functions/httpGenerate/config';
import {readReplicateConfig} from '../../../functions/pubsubReplicate/config';
import {freePorts} from '../../../local/free-ports';
import {platformEnv} from '../../support/platform-env';

const read = (env: Record<string, string>) =>
  readConfig(env, r => readSqlConnection(r, {database: 'finserv'}));
const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError)
      return error.problems.map(p => p.variable);
    throw error;
  }
  return [];
};

test('local wiring: MYSQL_HOST/PORT/USER/PASSWORD as the platform exports them', () => {
  assert.equal(
    read({
      MYSQL_HOST: '127.0.0.1',
      MYSQL_PORT: '3307',
      MYSQL_USER: 'u',
      MYSQL_PASSWORD: 'p',
      SQL_DATABASE: 'db_1',
    }),
    {
      kind: 'tcp',
      host: '127.0.0.1',
      port: 3307,
      user: 'u',
      password: 'p',
      database: 'db_1',
      limits: {size: 5, connectTimeoutMs: 10_000, acquireTimeoutMs: 10_000},
    },
  );
});

test('cloud wiring: the connection name selects the connector; each part names its own secret pair', () => {
  const config = read({
    CLOUD_SQL_INSTANCE: 'my-project:us-central1:fin-serv-instance',
    DB_IP_TYPE: 'PRIVATE',
    DB_POOL_SIZE: '3',
    DB_USER_SECRET: 'fin_serv_generate_db_user',
    DB_PASSWORD_SECRET: 'fin_serv_generate_db_password',
  });
  assert.equal(config, {
    kind: 'cloud-sql',
    instanceConnectionName: 'my-project:us-central1:fin-serv-instance',
    ipType: 'PRIVATE',
    iamAuth: false,
    secretsProject: 'my-project',
    userSecret: 'fin_serv_generate_db_user',
    passwordSecret: 'fin_serv_generate_db_password',
    database: 'finserv',
    limits: {size: 3, connectTimeoutMs: 10_000, acquireTimeoutMs: 10_000},
  });
  const other = read({
    CLOUD_SQL_INSTANCE: 'example.com:my-project:europe-west1:db',
    GOOGLE_CLOUD_PROJECT: 'secrets-here',
    DB_USER_SECRET: 'u2',
    DB_IAM_AUTH: 'true',
  });
  assert.is(other.kind === 'cloud-sql' && other.secretsProject, 'secrets-here');
  assert.is(other.kind === 'cloud-sql' && other.userSecret, 'u2');
  assert.is(
    other.kind === 'cloud-sql' && other.passwordSecret,
    '',
    'IAM login reads no password secret',
  );
  assert.is(other.kind === 'cloud-sql' && other.ipType, 'PUBLIC');
  // No shared user to fall back on: without its secret pair a part does not start.
  assert.equal(
    problemsOf(() =>
      read({CLOUD_SQL_INSTANCE: 'my-project:us-central1:fin-serv-instance'}),
    ).sort(),
    ['DB_PASSWORD_SECRET', 'DB_USER_SECRET'],
  );
});

test('every bad variable is named', () => {
  assert.equal(
    problemsOf(() => read({})),
    ['MYSQL_HOST', 'MYSQL_USER'],
  );
  assert.equal(
    problemsOf(() =>
      read({
        CLOUD_SQL_INSTANCE: 'not-a-connection-name',
        DB_IP_TYPE: 'PUBLICX',
        DB_IAM_AUTH: 'yes',
        DB_POOL_SIZE: '0',
        SQL_DATABASE: 'bad-name',
        DB_USER_SECRET: 'u',
        DB_PASSWORD_SECRET: 'bad/id',
      }),
    ).sort(),
    [
      'CLOUD_SQL_INSTANCE',
      'DB_IAM_AUTH',
      'DB_IP_TYPE',
      'DB_PASSWORD_SECRET',
      'DB_POOL_SIZE',
      'SQL_DATABASE',
    ],
  );
  assert.equal(
    problemsOf(() =>
      readGenerateConfig({
        MYSQL_HOST: 'h',
        MYSQL_USER: 'u',
        GENERATE_MAX_COUNT: '20000',
      }),
    ).sort(),
    ['GENERATE_MAX_COUNT', 'GOOGLE_CLOUD_PROJECT'],
  );
  assert.equal(
    problemsOf(() =>
      readReplicateConfig({
        GOOGLE_CLOUD_PROJECT: 'proj-1',
        MYSQL_HOST: 'h',
        MYSQL_USER: 'u',
        REPLICATE_WORKERS: 'four',
        TXN_TABLE: 'bad table',
      }),
    ).sort(),
    ['REPLICATE_WORKERS', 'TXN_TABLE'],
  );
});

test('the function configs take their names from env with defaults from core/resources', () => {
  const generate = readGenerateConfig({
    GOOGLE_CLOUD_PROJECT: 'proj-1',
    MYSQL_HOST: 'h',
    MYSQL_USER: 'u',
  });
  assert.is(generate.generatedTopic, 'transactions-generated');
  assert.equal(generate.limits, {
    defaultCount: 1000,
    maxCount: 10_000,
    maxBodyBytes: 4096,
  });
  const replicate = readReplicateConfig({
    GOOGLE_CLOUD_PROJECT: 'proj-1',
    MYSQL_HOST: 'h',
    MYSQL_USER: 'u',
    BIGTABLE_INSTANCE: 'bt-x',
  });
  assert.is(replicate.bigtable.instance, 'bt-x');
  assert.is(replicate.bigtable.txn.id, 'txn_tbl');
  assert.is(replicate.options.budgetMs, 420_000);
  assert.equal(
    replicate.options.watermark,
    {missedSlotMs: 7_200_000, leaseTtlMs: 3_600_000},
    'missed slots passed after 120 minutes, leases after 60, in milliseconds',
  );
  assert.is(
    readReplicateConfig({
      GOOGLE_CLOUD_PROJECT: 'proj-1',
      MYSQL_HOST: 'h',
      MYSQL_USER: 'u',
      GENERATION_LEASE_TTL_MINUTES: '90',
    }).options.watermark.leaseTtlMs,
    5_400_000,
  );
  // Every claimer holds a claim session: the pool is one per claimer unless set, and never fewer.
  assert.equal([replicate.options.workers, replicate.sql.limits.size], [8, 8]);
  assert.is(
    readReplicateConfig({
      GOOGLE_CLOUD_PROJECT: 'proj-1',
      MYSQL_HOST: 'h',
      MYSQL_USER: 'u',
      REPLICATE_WORKERS: '3',
    }).sql.limits.size,
    3,
  );
  assert.equal(
    problemsOf(() =>
      readReplicateConfig({
        GOOGLE_CLOUD_PROJECT: 'proj-1',
        MYSQL_HOST: 'h',
        MYSQL_USER: 'u',
        REPLICATE_WORKERS: '6',
        DB_POOL_SIZE: '5',
      }),
    ),
    ['DB_POOL_SIZE'],
  );
  assert.is(
    readGenerateConfig({
      GOOGLE_CLOUD_PROJECT: 'proj-1',
      MYSQL_HOST: 'h',
      MYSQL_USER: 'u',
    }).sql.limits.size,
    5,
    'other functions keep their small pool',
  );
});

/** The connector's TLS handshake has no emulator: this one hands mysql2 a plain socket to MariaDB. */
function plainConnector(
  host: string,
  port: number,
  calls: unknown[],
): SqlConnector {
  return {
    getOptions: async options => {
      calls.push(options);
      return {stream: () => connect({host, port})};
    },
    close: () => calls.push('closed'),
  };
}

test('the Cloud SQL path: user and password from secrets (read once), pool through the connector', async () => {
  const {mysql} = platformEnv();
  const secrets = new InMemorySecrets({
    fin_serv_db_user: `${mysql.user}\n`,
    fin_serv_db_password: mysql.password,
  });
  const cached = new CachedSecrets(secrets);
  const calls: unknown[] = [];
  const config = read({
    CLOUD_SQL_INSTANCE: 'my-project:us-central1:fin-serv-instance',
    SQL_DATABASE: 'mysql',
    DB_USER_SECRET: 'fin_serv_db_user',
    DB_PASSWORD_SECRET: 'fin_serv_db_password',
  });
  for (let i = 0; i < 2; i++) {
    const sql = await openSqlPool(config, {
      secrets: () => cached,
      connector: async () => plainConnector(mysql.host, mysql.port, calls),
    });
    const connection = await sql.acquire();
    try {
      const [rows] = await connection.query(
        'SELECT CURRENT_USER() AS user, @@session.time_zone AS zone',
      );
      assert.match(
        String((rows as Array<{user: string}>)[0]!.user),
        mysql.user,
      );
      assert.is((rows as Array<{zone: string}>)[0]!.zone, '+00:00');
    } finally {
      connection.release();
    }
    await sql.close();
  }
  assert.equal(
    secrets.reads.sort(),
    ['fin_serv_db_password', 'fin_serv_db_user'],
    'each secret read once',
  );
  assert.equal(calls[0], {
    instanceConnectionName: 'my-project:us-central1:fin-serv-instance',
    ipType: 'PUBLIC',
    authType: 'PASSWORD',
  });
  assert.ok(calls.includes('closed'));
});

test('IAM database login reads no password; a missing secret fails with its name', async () => {
  const secrets = new InMemorySecrets({fin_serv_db_user: 'sa@proj.iam'});
  const calls: unknown[] = [];
  const iam = read({
    CLOUD_SQL_INSTANCE: 'my-project:us-central1:fin-serv-instance',
    DB_IAM_AUTH: 'true',
    DB_USER_SECRET: 'fin_serv_db_user',
  });
  const sql = await openSqlPool(iam, {
    secrets: () => secrets,
    connector: async () => plainConnector('127.0.0.1', 9, calls),
  });
  await sql.close();
  assert.equal(secrets.reads, ['fin_serv_db_user']);
  assert.is((calls[0] as {authType: string}).authType, 'IAM');
  const password = read({
    CLOUD_SQL_INSTANCE: 'my-project:us-central1:fin-serv-instance',
    DB_USER_SECRET: 'fin_serv_db_user',
    DB_PASSWORD_SECRET: 'fin_serv_db_password',
  });
  try {
    await openSqlPool(password, {
      secrets: () => secrets,
      connector: async () => plainConnector('127.0.0.1', 9, calls),
    });
    assert.unreachable('the password secret is missing');
  } catch (error) {
    assert.instance(error, SecretError);
    assert.match((error as Error).message, 'fin_serv_db_password');
  }
});

test('an unreachable database and an exhausted pool are SqlUnavailableError, within the timeouts', async () => {
  const [closed] = await freePorts(1);
  const limits = {size: 1, connectTimeoutMs: 1000, acquireTimeoutMs: 500};
  const down = await openSqlPool({
    kind: 'tcp',
    host: '127.0.0.1',
    port: closed!,
    user: 'u',
    password: '',
    database: 'x',
    limits,
  });
  try {
    await down.acquire();
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SqlUnavailableError);
  } finally {
    await down.close();
  }
  const {mysql} = platformEnv();
  const busy = await openSqlPool({
    kind: 'tcp',
    ...mysql,
    database: 'mysql',
    limits,
  });
  const held = await busy.acquire();
  const started = Date.now();
  try {
    await busy.acquire();
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SqlUnavailableError);
    assert.ok(Date.now() - started < 2000);
  } finally {
    held.release();
    await busy.close();
  }
});

test.run();
