/**
 * The running local platform, as test/run.ts exported it into process.env. A test started any
 * other way fails at once with the one command that works.
 */
export interface PlatformEnv {
  bigtableHost: string;
  pubsubHost: string;
  storageEmulatorHost: string;
  /** Give it to `new Storage({ apiEndpoint })`: uploads are built from it, not from STORAGE_EMULATOR_HOST. */
  storageApiEndpoint: string;
  mysql: {host: string; port: number; user: string; password: string};
  /** The variables themselves, to pass on to code under test. */
  vars: Record<string, string>;
}

export const PLATFORM_VARS = [
  'BIGTABLE_EMULATOR_HOST',
  'PUBSUB_EMULATOR_HOST',
  'STORAGE_EMULATOR_HOST',
  'STORAGE_API_ENDPOINT',
  'MYSQL_HOST',
  'MYSQL_PORT',
  'MYSQL_USER',
  'MYSQL_PASSWORD',
  'METADATA_SERVER_DETECTION',
] as const;

export class PlatformNotRunningError extends Error {
  readonly code = 'PLATFORM_NOT_RUNNING';
  constructor(missing: string[]) {
    super(
      `the local platform is not running (${missing.join(', ')} unset): run the tests with \`npm test\` ` +
        '(`npm test -- <pattern>` for a subset), which starts the emulators and MariaDB first',
    );
    this.name = 'PlatformNotRunningError';
  }
}

export function platformEnv(env: NodeJS.ProcessEnv = process.env): PlatformEnv {
  const missing = PLATFORM_VARS.filter(name => !env[name]);
  if (missing.length > 0) throw new PlatformNotRunningError(missing);
  const vars = Object.fromEntries(
    PLATFORM_VARS.map(name => [name, env[name]!]),
  );
  return {
    bigtableHost: vars.BIGTABLE_EMULATOR_HOST!,
    pubsubHost: vars.PUBSUB_EMULATOR_HOST!,
    storageEmulatorHost: vars.STORAGE_EMULATOR_HOST!,
    storageApiEndpoint: vars.STORAGE_API_ENDPOINT!,
    mysql: {
      host: vars.MYSQL_HOST!,
      port: Number(vars.MYSQL_PORT),
      user: vars.MYSQL_USER!,
      password: vars.MYSQL_PASSWORD!,
    },
    vars,
  };
}
