/**
 * `npm run services`: the local platform for working by hand. Starts every service, provisions
 * the default resources under project `finserv-local`, prints `export VAR=...` lines (also
 * written to .local/services.env, for `source`), and runs until Ctrl-C, then stops everything.
 *
 *   npm run services -- [--push-endpoint URL]   (where the replicate subscription pushes)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultResources } from '../core/resources';
import { LOCAL_PROJECT, startPlatform } from './platform';
import { provisionLocal } from './provision-defaults';

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const platform = await startPlatform();
  Object.assign(process.env, platform.env);
  const resources = defaultResources(LOCAL_PROJECT);
  const pushEndpoint = argument('--push-endpoint');
  await provisionLocal(platform, resources, pushEndpoint ? { pushEndpoint } : {});

  const vars = { ...platform.env, SQL_DATABASE: resources.sql.database, BIGTABLE_INSTANCE: resources.bigtable.instance };
  const lines = Object.entries(vars).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  const envFile = join(__dirname, '..', '.local', 'services.env');
  mkdirSync(join(__dirname, '..', '.local'), { recursive: true });
  writeFileSync(envFile, `${lines.join('\n')}\n`, { mode: 0o600 });

  console.log(lines.join('\n'));
  console.error(`\n# started in ${platform.startupMs} ms; provisioned project ${LOCAL_PROJECT}; logs in ${platform.dir}`);
  console.error(`# in another shell: source .local/services.env   (Ctrl-C here stops everything)`);
  // The platform's signal hooks stop the services and exit on Ctrl-C; this only keeps us alive.
  setInterval(() => undefined, 60_000);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
