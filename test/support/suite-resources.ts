import {randomBytes} from 'node:crypto';
import {defaultResources, type Resources} from '../../core/resources';

/**
 * Resources of their own for one test suite: the default names (so the code under test sees the
 * real table, topic and family names) inside a Pub/Sub project, Bigtable instance, SQL database
 * and bucket that no other suite uses.
 */
export function suiteResources(
  suite: string,
  unique = randomBytes(3).toString('hex'),
): Resources {
  const slug =
    suite
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 20) || 'suite';
  // Pub/Sub project ids: 6-30 chars, [a-z][-a-z0-9]*[a-z0-9].
  const project = `t-${slug}-${unique}`.replace(/-+/g, '-');
  const resources = defaultResources(project, `${project}-bucket`);
  return {
    ...resources,
    sql: {...resources.sql, database: `t_${slug.replace(/-/g, '_')}_${unique}`},
    bigtable: {
      ...resources.bigtable,
      instance: `bt-${slug}-${unique}`.slice(0, 33),
    },
  };
}
