import type {EnvReader} from '../config';

/**
 * How a function reaches its database, decided in this one place: through the Cloud SQL connector
 * (user and password from Secret Manager, optional IAM database login) when CLOUD_SQL_INSTANCE is
 * set, otherwise over plain TCP to MYSQL_HOST:MYSQL_PORT (the local MariaDB of the platform).
 */
export type IpType = 'PUBLIC' | 'PRIVATE' | 'PSC';
export const IP_TYPES: readonly IpType[] = ['PUBLIC', 'PRIVATE', 'PSC'];

export interface PoolLimits {
  /** Connections per function instance; small, because every instance has its own pool. */
  size: number;
  connectTimeoutMs: number;
  /** How long a caller waits for a free connection before failing (a retryable error). */
  acquireTimeoutMs: number;
}

export interface CloudSqlConnection {
  kind: 'cloud-sql';
  instanceConnectionName: string;
  ipType: IpType;
  iamAuth: boolean;
  /** Project holding the secrets; defaults to the instance's project. */
  secretsProject: string;
  userSecret: string;
  passwordSecret: string;
  database: string;
  limits: PoolLimits;
}

export interface TcpConnection {
  kind: 'tcp';
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  limits: PoolLimits;
}

export type SqlConnection = CloudSqlConnection | TcpConnection;

/** `project:region:instance`; the project part may carry a domain (`example.com:project`). */
export const INSTANCE_CONNECTION_NAME =
  /^((?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,61}[a-z0-9]):([a-z]+-[a-z]+[0-9]+):([a-z][a-z0-9-]{0,96})$/;
const DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/;
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;

export function readSqlConnection(
  read: EnvReader,
  defaults: {database: string; poolSize?: number},
): SqlConnection {
  const limits: PoolLimits = {
    size: read.integer('DB_POOL_SIZE', {
      default: defaults.poolSize ?? 5,
      min: 1,
      max: 100,
    }),
    connectTimeoutMs: read.integer('DB_CONNECT_TIMEOUT_MS', {
      default: 10_000,
      min: 100,
      max: 120_000,
    }),
    acquireTimeoutMs: read.integer('DB_ACQUIRE_TIMEOUT_MS', {
      default: 10_000,
      min: 100,
      max: 120_000,
    }),
  };
  const database = read.string('SQL_DATABASE', {
    default: defaults.database,
    pattern: DATABASE_NAME,
    description: 'a database name ([A-Za-z0-9_]{1,64})',
  });
  if (read.has('CLOUD_SQL_INSTANCE')) {
    const instanceConnectionName = read.string('CLOUD_SQL_INSTANCE', {
      pattern: INSTANCE_CONNECTION_NAME,
      description: 'an instance connection name project:region:instance',
    });
    const instanceProject =
      INSTANCE_CONNECTION_NAME.exec(instanceConnectionName)?.[1] ?? '';
    const iamAuth = read.boolean('DB_IAM_AUTH', false);
    // Each part logs in as its own database user (scripts/bootstrap.sh makes the pairs): no default.
    return {
      kind: 'cloud-sql',
      instanceConnectionName,
      ipType: read.oneOf('DB_IP_TYPE', IP_TYPES, 'PUBLIC'),
      iamAuth,
      secretsProject:
        read.optionalString('GOOGLE_CLOUD_PROJECT') ?? instanceProject,
      userSecret: read.string('DB_USER_SECRET', {
        pattern: SECRET_ID,
        description: 'a Secret Manager secret id',
      }),
      passwordSecret: iamAuth
        ? ''
        : read.string('DB_PASSWORD_SECRET', {
            pattern: SECRET_ID,
            description: 'a Secret Manager secret id',
          }),
      database,
      limits,
    };
  }
  return {
    kind: 'tcp',
    host: read.string('MYSQL_HOST'),
    port: read.integer('MYSQL_PORT', {default: 3306, min: 1, max: 65535}),
    user: read.string('MYSQL_USER'),
    password: read.optionalString('MYSQL_PASSWORD') ?? '',
    database,
    limits,
  };
}
