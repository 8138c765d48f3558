/**
 * The Cloud SQL connector's local proxy (from this repository's own dependencies) on a Unix socket
 * in a private directory, for an admin session: scripts/sql-shell.sh runs it. It writes DIR/client.cnf
 * (mode 0600: the admin user, its password from Secret Manager, the socket) and prints DIR when the
 * proxy listens; it stops, removing DIR, when its stdin closes or on SIGTERM/SIGINT.
 *
 *   node --import tsx scripts/sql-proxy.ts --project=P --cloud-sql-instance=P:R:I [--ip-type=PUBLIC]
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {databaseLogin} from '../core/resources';
import {SecretManagerSecrets} from '../core/secrets';
import {
  INSTANCE_CONNECTION_NAME,
  IP_TYPES,
  type IpType,
} from '../core/sql/connect';

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      project: {type: 'string'},
      'cloud-sql-instance': {type: 'string'},
      'ip-type': {type: 'string', default: 'PUBLIC'},
    },
    strict: true,
  });
  const project = values.project;
  const instance = values['cloud-sql-instance'];
  const ipType = values['ip-type'] as IpType;
  if (!project) throw new Error('--project is required');
  if (!instance || !INSTANCE_CONNECTION_NAME.test(instance))
    throw new Error('--cloud-sql-instance must be project:region:instance');
  if (!IP_TYPES.includes(ipType))
    throw new Error(`--ip-type must be one of ${IP_TYPES.join(', ')}`);

  const login = databaseLogin('admin');
  const secrets = new SecretManagerSecrets(project);
  const [user, password] = await Promise.all([
    secrets.read(login.userSecret),
    secrets.read(login.passwordSecret),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'finserv-sql-'));
  const socket = join(dir, 'mysql.sock');
  const {Connector, IpAddressTypes, AuthTypes} =
    await import('@google-cloud/cloud-sql-connector');
  const connector = new Connector();
  const stop = () => {
    connector.close();
    rmSync(dir, {recursive: true, force: true});
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop).on('close', stop).resume();
  await connector.startLocalProxy({
    instanceConnectionName: instance,
    ipType: IpAddressTypes[ipType],
    authType: AuthTypes.PASSWORD,
    listenOptions: {path: socket},
  });
  writeFileSync(
    join(dir, 'client.cnf'),
    `[client]\nuser=${user.trim()}\npassword=${password.trim()}\nsocket=${socket}\n`,
    {mode: 0o600},
  );
  process.stdout.write(`${dir}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`sql-proxy: ${(error as Error).message}\n`);
  process.exit(1);
});
