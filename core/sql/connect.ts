import type {Socket} from 'node:net';
import {
  createPool,
  type Pool,
  type PoolConnection,
  type PoolOptions,
} from 'mysql2/promise';
import type {SecretSource} from '../secrets';
import type {IpType, SqlConnection} from './connection-config';

export * from './connection-config';

/** The part of the Cloud SQL connector used here, so a test can stand in for the TLS handshake. */
export interface SqlConnector {
  getOptions(options: {
    instanceConnectionName: string;
    ipType: IpType;
    authType: 'IAM' | 'PASSWORD';
  }): Promise<{stream: () => Socket}>;
  close(): void;
}

async function cloudSqlConnector(): Promise<SqlConnector> {
  const {Connector, IpAddressTypes, AuthTypes} =
    await import('@google-cloud/cloud-sql-connector');
  const connector = new Connector();
  return {
    getOptions: o =>
      connector.getOptions({
        instanceConnectionName: o.instanceConnectionName,
        ipType: IpAddressTypes[o.ipType],
        authType: AuthTypes[o.authType],
      }),
    close: () => connector.close(),
  };
}

export interface SqlPool {
  pool: Pool;
  /** A connection within the acquire timeout, or a SqlUnavailableError. */
  acquire(): Promise<PoolConnection>;
  /**
   * A connection of the claim pool (see CLAIM_SESSION), within the acquire timeout. Only
   * replication's claims use it: its sessions keep a transaction open from their first statement
   * to COMMIT or ROLLBACK, so the caller ends every one before it releases the connection.
   */
  acquireClaimSession(): Promise<PoolConnection>;
  close(): Promise<void>;
}

export class SqlUnavailableError extends Error {
  readonly code = 'SQL_UNAVAILABLE';
}

function baseOptions(connection: SqlConnection): PoolOptions {
  return {
    database: connection.database,
    connectionLimit: connection.limits.size,
    maxIdle: connection.limits.size,
    idleTimeout: 60_000,
    connectTimeout: connection.limits.connectTimeoutMs,
    enableKeepAlive: true,
    waitForConnections: true,
    // DATETIME columns hold UTC; BIGINT money comes back as exact strings.
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: false,
  };
}

/**
 * Opens the instance's one pool. Secrets are read here, once per function instance (the caller
 * keeps the pool for the life of the instance).
 */
export async function openSqlPool(
  connection: SqlConnection,
  deps: {
    secrets?: () => SecretSource;
    connector?: () => Promise<SqlConnector>;
  } = {},
): Promise<SqlPool> {
  let options: PoolOptions;
  let onClose = () => {};
  if (connection.kind === 'tcp') {
    options = {
      ...baseOptions(connection),
      host: connection.host,
      port: connection.port,
      user: connection.user,
      password: connection.password,
    };
  } else {
    if (!deps.secrets)
      throw new Error('a Cloud SQL connection needs a secret source');
    const secrets = deps.secrets();
    const [user, password] = await Promise.all([
      secrets.read(connection.userSecret),
      connection.iamAuth
        ? Promise.resolve(undefined)
        : secrets.read(connection.passwordSecret),
    ]);
    const connector = await (deps.connector ?? cloudSqlConnector)();
    const driver = await connector.getOptions({
      instanceConnectionName: connection.instanceConnectionName,
      ipType: connection.ipType,
      authType: connection.iamAuth ? 'IAM' : 'PASSWORD',
    });
    options = {
      ...baseOptions(connection),
      ...driver,
      user: user.trim(),
      ...(password === undefined ? {} : {password: password.trim()}),
    };
    onClose = () => connector.close();
  }
  const pool = createPool(options);
  pool.pool.on('connection', raw => {
    raw.query(UTC_SESSION);
  });
  // Opened at the first claim: only replication claims, and a pool opens no connection until asked.
  let claimPool: Pool | undefined;
  const claims = () => {
    if (!claimPool) {
      claimPool = createPool({...options, multipleStatements: true});
      claimPool.pool.on('connection', raw => {
        raw.query(`${UTC_SESSION}; ${CLAIM_SESSION}`);
      });
    }
    return claimPool;
  };
  return {
    pool,
    acquire: () => acquireWithin(pool, connection.limits.acquireTimeoutMs),
    acquireClaimSession: () =>
      acquireWithin(claims(), connection.limits.acquireTimeoutMs),
    close: async () => {
      await Promise.all([pool.end(), claimPool?.end()]);
      onClose();
    },
  };
}

/** Every session works in UTC so NOW() and DATETIME agree with the JavaScript side. */
const UTC_SESSION = "SET time_zone = '+00:00'";

/**
 * A claim session: every claim is a transaction of its own from its first statement (autocommit
 * off, so no START TRANSACTION round trip), under READ COMMITTED (locking reads take record locks
 * only, no gap locks, so claimers that flip rows in the same index range do not deadlock each
 * other; set once, not before every transaction), and the flags go with their COMMIT in one round
 * trip (multiple statements, accepted on this pool only; every value still goes in as a
 * placeholder). A claim's round trips fell from five to two.
 */
const CLAIM_SESSION =
  'SET autocommit = 0; SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED';

async function acquireWithin(
  pool: Pool,
  timeoutMs: number,
): Promise<PoolConnection> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const pending = pool.getConnection();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(
        new SqlUnavailableError(
          `no database connection within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([pending, timeout]);
  } catch (error) {
    if (timedOut)
      pending.then(
        late => late.release(),
        () => {},
      );
    if (error instanceof SqlUnavailableError) throw error;
    throw new SqlUnavailableError(
      `cannot connect to the database: ${(error as Error).message}`,
      {cause: error},
    );
  } finally {
    clearTimeout(timer);
  }
}
