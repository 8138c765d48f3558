import type {Pool} from 'mysql2/promise';
import type {Resources} from '../resources';
import {applyMigrations} from '../sql/migrations';

/**
 * Creates the database if absent and applies the pending migrations. The pool must not be bound
 * to the database (it may not exist yet); its user needs CREATE on it.
 */
export async function provisionSql(
  pool: Pool,
  resources: Resources['sql'],
): Promise<number[]> {
  return applyMigrations(pool, resources.database);
}
