/**
 * A private, throwaway MariaDB server: its own datadir, socket and port under the platform's
 * directory, bound to 127.0.0.1. The system service is never used. An init file creates a TCP
 * user with a random password and every privilege, so clients never need root.
 */
import {randomBytes} from 'node:crypto';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {createConnection} from 'mysql2/promise';
import {
  spawnService,
  stopService,
  type ServiceProcess,
} from '../service-process';
import {waitUntil} from '../wait-until';
import {createDatadir} from './mariadb-datadir';

export interface MysqlCredentials {
  host: string;
  port: number;
  user: string;
  password: string;
}

// Non-durable on purpose: a test database that dies with the run. The buffer pool is sized like the
// smallest Cloud SQL tier's, not smaller: InnoDB keeps row locks in it, and concurrent replicators
// each holding a claimed batch ran a 64M pool out of lock space (ER_LOCK_TABLE_FULL, 1206).
// The adaptive hash index is on, as in MySQL 8.0 (what deploy creates on Cloud SQL): replication
// flags rows by primary key, and with it MariaDB spends about a tenth less CPU on a replication's
// claims, flags and commits, purge included (610 vs 670 ms per 50,000 rows, one claimer).
const SERVER_OPTIONS = [
  '--innodb-buffer-pool-size=512M',
  '--innodb-flush-log-at-trx-commit=2',
  '--innodb-doublewrite=0',
  '--innodb-adaptive-hash-index=ON',
  '--skip-log-bin',
  '--character-set-server=utf8mb4',
  '--collation-server=utf8mb4_unicode_ci',
];

// The redo log: the datadir template is made with a small one (it is copied for every server), and
// the server starts with one near MySQL 8.0's default capacity (100M), which it makes itself in
// well under a second. With 16M, InnoDB had to flush dirty pages early to free log space, and the
// same replication cost MariaDB about an eighth more CPU (750 vs 670 ms per 50,000 rows).
const INSTALL_LOG_SIZE = '--innodb-log-file-size=16M';
const SERVER_LOG_SIZE = '--innodb-log-file-size=128M';

function runAsOptions(): string[] {
  // mariadbd refuses to run as root unless told to; as another user it runs as that user.
  return process.getuid?.() === 0 ? ['--user=root'] : [];
}

export async function startMariadb(
  programs: {mariadbd: string; mariadbInstallDb: string},
  dir: string,
  port: number,
): Promise<{service: ServiceProcess; credentials: MysqlCredentials}> {
  const datadir = join(dir, 'mariadb-data');
  const tmpdir = join(dir, 'mariadb-tmp');
  mkdirSync(tmpdir, {recursive: true});
  await createDatadir(programs, datadir, [
    ...runAsOptions(),
    ...SERVER_OPTIONS,
    INSTALL_LOG_SIZE,
  ]);

  const credentials: MysqlCredentials = {
    host: '127.0.0.1',
    port,
    user: 'finserv',
    password: randomBytes(12).toString('hex'),
  };
  const initFile = join(dir, 'mariadb-init.sql');
  writeFileSync(
    initFile,
    `CREATE USER IF NOT EXISTS '${credentials.user}'@'%' IDENTIFIED BY '${credentials.password}';\n` +
      `GRANT ALL PRIVILEGES ON *.* TO '${credentials.user}'@'%' WITH GRANT OPTION;\n`,
    {mode: 0o600},
  );
  const service = await runMariadbd(programs.mariadbd, dir, port, credentials);
  return {service, credentials};
}

/**
 * The server process on a prepared directory (datadir, init file): what a start and a restart run.
 * The init file is idempotent, so a restart on the same directory keeps data and account.
 */
async function runMariadbd(
  mariadbd: string,
  dir: string,
  port: number,
  credentials: MysqlCredentials,
): Promise<ServiceProcess> {
  const datadir = join(dir, 'mariadb-data');
  const tmpdir = join(dir, 'mariadb-tmp');
  const service = spawnService(
    'mariadb',
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--tmpdir=${tmpdir}`,
      `--socket=${join(dir, 'mariadb.sock')}`,
      `--pid-file=${join(dir, 'mariadb.pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      `--init-file=${join(dir, 'mariadb-init.sql')}`,
      ...runAsOptions(),
      ...SERVER_OPTIONS,
      SERVER_LOG_SIZE,
    ],
    {dir},
  );
  await waitUntil(service, 'answer to SELECT 1 as its TCP user', async () => {
    const connection = await createConnection({
      ...credentials,
      connectTimeout: 2000,
    });
    try {
      await connection.query('SELECT 1');
      return true;
    } finally {
      await connection.end();
    }
  });
  return service;
}

/** Stops the server (SIGTERM: a clean shutdown) and starts it again on the same directory and port. */
export async function restartMariadb(
  service: ServiceProcess,
  mariadbd: string,
  dir: string,
  port: number,
  credentials: MysqlCredentials,
): Promise<ServiceProcess> {
  await stopService(service, 10_000);
  return runMariadbd(mariadbd, dir, port, credentials);
}
