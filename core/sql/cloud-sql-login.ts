import {databaseLogin} from '../resources';
import type {CloudSqlConnection, PoolLimits} from './connection-config';

/**
 * The connection of an operator's script (provisioning, database users, the SQL shell) to Cloud
 * SQL as one part's database user, over the connector, not bound to a database.
 */
export function operatorConnection(
  instanceConnectionName: string,
  project: string,
  part: string,
  limits?: Partial<PoolLimits>,
): CloudSqlConnection {
  const login = databaseLogin(part);
  return {
    kind: 'cloud-sql',
    instanceConnectionName,
    ipType: 'PUBLIC',
    iamAuth: false,
    secretsProject: project,
    userSecret: login.userSecret,
    passwordSecret: login.passwordSecret,
    database: '',
    limits: {
      size: 1,
      connectTimeoutMs: 30_000,
      acquireTimeoutMs: 60_000,
      ...limits,
    },
  };
}
