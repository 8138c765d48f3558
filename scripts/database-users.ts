/**
 * The parts' database users (core/sql/database-users.ts), run by scripts/bootstrap.sh as the admin
 * user after the instance, the admin user and the secrets exist:
 *
 *   node --import tsx scripts/database-users.ts --project=P --cloud-sql-instance=P:R:I --database=D
 *
 * Applies the migrations (the grants name tables), then for each part: its secret pair gets a
 * value if it has none (a generated password, stored before any user is set from it), then the
 * user is created or set to that password, with exactly its grants. Rerunnable after any failure.
 * Passwords go from the generator to Secret Manager and to the server as a query value: never an
 * argument, never logged.
 */
import {randomBytes} from 'node:crypto';
import {parseArgs} from 'node:util';
import {createLogger} from '../core/log';
import {databaseLogin} from '../core/resources';
import {SecretManagerSecrets, secretValueOrCreate} from '../core/secrets';
import {operatorConnection} from '../core/sql/cloud-sql-login';
import {INSTANCE_CONNECTION_NAME, openSqlPool} from '../core/sql/connect';
import {
  applyDatabaseUser,
  DATABASE_PARTS,
  PART_GRANTS,
} from '../core/sql/database-users';
import {applyMigrations} from '../core/sql/migrations';

const log = createLogger('database-users');

const newPassword = (): string => randomBytes(24).toString('base64url');

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      project: {type: 'string'},
      'cloud-sql-instance': {type: 'string'},
      database: {type: 'string', default: 'finserv'},
    },
    strict: true,
  });
  const project = values.project;
  const instance = values['cloud-sql-instance'];
  if (!project) throw new Error('--project is required');
  if (!instance || !INSTANCE_CONNECTION_NAME.test(instance))
    throw new Error('--cloud-sql-instance must be project:region:instance');
  const secrets = new SecretManagerSecrets(project);
  const admin = await openSqlPool(
    operatorConnection(instance, project, 'admin'),
    {secrets: () => secrets},
  );
  try {
    const applied = await applyMigrations(admin.pool, values.database);
    log.info({applied}, `migrations: ${applied.length} applied`);
    for (const part of DATABASE_PARTS) {
      const login = databaseLogin(part);
      const user = await secretValueOrCreate(
        secrets,
        login.userSecret,
        () => login.user,
      );
      const password = await secretValueOrCreate(
        secrets,
        login.passwordSecret,
        newPassword,
      );
      await applyDatabaseUser(admin.pool, values.database, {
        user: user.trim(),
        password,
        grants: PART_GRANTS[part],
      });
      log.info(
        {part, databaseUser: user.trim(), grants: PART_GRANTS[part]},
        `database user of ${part} set`,
      );
    }
  } finally {
    await admin.close();
  }
}

main().catch((error: unknown) => {
  log.error({err: error}, `database users failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
