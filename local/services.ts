/**
 * `npm run services`: the local platform for working by hand. Starts every service, provisions
 * the default resources under project `finserv-local`, prints `export VAR=...` lines (also
 * written to .local/services.env, for `source`, and removed again on stop), and runs until
 * Ctrl-C, then stops everything.
 */
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {parseFlags} from '../core/command-line';
import {defaultResources} from '../core/resources';
import {LOCAL_PROJECT, startPlatform} from './platform';
import {provisionLocal} from './provision-defaults';

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value)
    ? value
    : `'${value.replace(/'/g, "'\\''")}'`;
}

const USAGE = `usage: npm run services -- [--push-endpoint URL] [--exports-file PATH]
  --push-endpoint URL  where the replicate subscription pushes (default: no push subscription)
  --exports-file PATH  where the export lines are written (default .local/services.env)
  --help               this text
`;

function parseServicesArgs(argv: string[]): {
  pushEndpoint?: string;
  envFile: string;
  help: boolean;
} {
  const {help, values} = parseFlags(argv, {
    'push-endpoint': {type: 'string'},
    'exports-file': {type: 'string'},
  });
  return {
    pushEndpoint: values['push-endpoint'],
    envFile: resolve(
      values['exports-file'] ?? join(__dirname, '..', '.local', 'services.env'),
    ),
    help,
  };
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseServicesArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`services: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const {envFile, pushEndpoint} = options;
  const platform = await startPlatform();
  Object.assign(process.env, platform.env);
  const resources = defaultResources(LOCAL_PROJECT);
  await provisionLocal(platform, resources, pushEndpoint ? {pushEndpoint} : {});

  const vars = {
    ...platform.env,
    SQL_DATABASE: resources.sql.database,
    BIGTABLE_INSTANCE: resources.bigtable.instance,
  };
  const lines = Object.entries(vars).map(
    ([name, value]) => `export ${name}=${shellQuote(value)}`,
  );
  mkdirSync(dirname(envFile), {recursive: true});
  writeFileSync(envFile, `${lines.join('\n')}\n`, {mode: 0o600});
  // The services die with this process, so their variables must not outlive it.
  process.once('exit', () => rmSync(envFile, {force: true}));

  console.log(lines.join('\n'));
  console.error(
    `\n# started in ${platform.startupMs} ms; provisioned project ${LOCAL_PROJECT}; logs in ${platform.dir}`,
  );
  console.error(
    `# in another shell: source ${envFile}   (Ctrl-C here stops everything)`,
  );
  // The platform's signal hooks stop the services and exit on Ctrl-C; this only keeps us alive.
  setInterval(() => undefined, 60_000);
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
