import type {Pool, PoolConnection} from 'mysql2/promise';

/**
 * The database users of the parts, each with only the privileges its queries need, so a part that
 * is compromised or buggy cannot touch what it does not use (replication cannot insert or delete
 * transactions, nor change an amount; generation cannot mark rows sent). Applied by
 * scripts/database-users.ts as the admin user; each password comes from the part's secret.
 */
export type DatabasePart = 'migrate' | 'generate' | 'replicate';
export const DATABASE_PARTS: readonly DatabasePart[] = [
  'migrate',
  'generate',
  'replicate',
];

export interface TableGrant {
  /** A table of the database, or '*' for the database itself. */
  table: string;
  /** Privileges, optionally with columns: `UPDATE (sent_to_big_table)`. */
  privileges: string[];
}

export const PART_GRANTS: Readonly<
  Record<DatabasePart, readonly TableGrant[]>
> = {
  // DDL of the numbered migrations, and their bookkeeping rows in schema_migrations.
  migrate: [
    {
      table: '*',
      privileges: [
        'CREATE',
        'ALTER',
        'DROP',
        'INDEX',
        'REFERENCES',
        'SELECT',
        'INSERT',
        'UPDATE',
        'DELETE',
      ],
    },
  ],
  // A batch, its rows and its lease; the lease is deleted by id (DELETE ... WHERE reads the id).
  generate: [
    {table: 'transactions', privileges: ['INSERT']},
    {table: 'generation_batches', privileges: ['SELECT', 'INSERT']},
    {table: 'generation_leases', privileges: ['SELECT', 'INSERT', 'DELETE']},
  ],
  // Claims unsent rows (SELECT ... FOR UPDATE), flips their flag, reads leases and the committed
  // scheduled batches for the watermark.
  replicate: [
    {
      table: 'transactions',
      privileges: ['SELECT', 'UPDATE (sent_to_big_table)'],
    },
    {table: 'generation_leases', privileges: ['SELECT']},
    {table: 'generation_batches', privileges: ['SELECT']},
  ],
};

export interface DatabaseUser {
  user: string;
  password: string;
  grants: readonly TableGrant[];
}

export class DatabaseUserError extends Error {
  readonly code = 'DATABASE_USER_FAILED';
}

const NAME = /^[A-Za-z0-9_]{1,32}$/;
const PRIVILEGE = /^[A-Z]+( [A-Z]+)?( \([a-z_]+(, ?[a-z_]+)*\))?$/;

function identifier(name: string, what: string): string {
  if (!NAME.test(name) && !(what === 'table' && name === '*'))
    throw new RangeError(`"${name}" is not a safe ${what} name`);
  return name === '*' ? '*' : `\`${name}\``;
}

/**
 * Creates the user if absent, sets its password, and replaces its privileges with exactly `grants`
 * (so a rerun converges: a password set from the secret again, a dropped grant revoked). The
 * password travels as a query value; errors are rethrown without the statement, which holds it.
 */
export async function applyDatabaseUser(
  pool: Pool,
  database: string,
  user: DatabaseUser,
): Promise<void> {
  const db = identifier(database, 'database');
  identifier(user.user, 'user');
  const statements: Array<[string, unknown[]]> = [
    [
      "CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?",
      [user.user, user.password],
    ],
    ["ALTER USER ?@'%' IDENTIFIED BY ?", [user.user, user.password]],
    ["REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@'%'", [user.user]],
  ];
  for (const grant of user.grants) {
    for (const privilege of grant.privileges) {
      if (!PRIVILEGE.test(privilege))
        throw new RangeError(`"${privilege}" is not a privilege`);
    }
    statements.push([
      `GRANT ${grant.privileges.join(', ')} ON ${db}.${identifier(grant.table, 'table')} TO ?@'%'`,
      [user.user],
    ]);
  }
  const connection: PoolConnection = await pool.getConnection();
  try {
    for (const [sql, values] of statements) {
      try {
        await connection.query(sql, values);
      } catch (error) {
        const {code, sqlMessage} = error as {
          code?: string;
          sqlMessage?: string;
        };
        // A statement that carries the password is reported by its verb and the server's code only.
        const detail = sql.includes('IDENTIFIED BY')
          ? (code ?? 'error')
          : `${code ?? 'error'}: ${sqlMessage ?? ''}`;
        throw new DatabaseUserError(
          `${sql.split(' ?')[0]} for ${user.user} failed (${detail})`,
        );
      }
    }
  } finally {
    connection.release();
  }
}
