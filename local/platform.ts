/**
 * The local cloud platform: the real emulators and a real MariaDB, each on a free loopback port,
 * under one temp directory, started in parallel and declared ready only once each has answered
 * a real request. `stop()` (or the end of this process, however it ends) removes every process.
 */
import {mkdirSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {freePorts} from './free-ports';
import {createPlatformDir} from './platform-dir';
import {findPrograms, type Programs, type ServiceName} from './prerequisites';
import {startBigtable} from './servers/bigtable';
import {startGcs} from './servers/gcs';
import {
  restartMariadb,
  startMariadb,
  type MysqlCredentials,
} from './servers/mariadb';
import {startPubsub} from './servers/pubsub';
import {stopService, type ServiceProcess} from './service-process';
import {registerRunning, unregisterRunning} from './shutdown-hooks';
import {ServiceStartError} from './wait-until';

export type {ServiceName} from './prerequisites';
export type {MysqlCredentials} from './servers/mariadb';

const ALL_SERVICES: readonly ServiceName[] = [
  'bigtable',
  'pubsub',
  'mariadb',
  'gcs',
];

/** The project id the emulators are used under unless a test picks its own. */
export const LOCAL_PROJECT = 'finserv-local';

export interface PlatformOptions {
  /** Where logs and data go; a fresh temp directory (removed on stop) when omitted. */
  dir?: string;
  services?: ServiceName[];
}

export interface Platform {
  /**
   * What clients need to find the services: BIGTABLE_EMULATOR_HOST, PUBSUB_EMULATOR_HOST,
   * STORAGE_EMULATOR_HOST, STORAGE_API_ENDPOINT, MYSQL_HOST/PORT/USER/PASSWORD, METADATA_SERVER_DETECTION,
   * GOOGLE_CLOUD_PROJECT (only those of the services started).
   */
  env: Record<string, string>;
  /** The MariaDB TCP account (undefined when mariadb was not started). */
  mysql: MysqlCredentials | undefined;
  pids: number[];
  ports: number[];
  dir: string;
  /** Milliseconds from the call to every service answering. */
  startupMs: number;
  /** Milliseconds from the call to each service answering. */
  serviceStartupMs: Partial<Record<ServiceName, number>>;
  /**
   * Stops a service and starts it again on the same port and data (only MariaDB can: `--chaos`
   * restarts the database under the pipeline). Resolves once it answers again.
   */
  restart(name: 'mariadb'): Promise<void>;
  stop(): Promise<void>;
}

async function startService(
  name: ServiceName,
  programs: Partial<Programs>,
  dir: string,
  port: number,
): Promise<{
  service: ServiceProcess;
  env: Record<string, string>;
  mysql?: MysqlCredentials;
  restart?: (old: ServiceProcess) => Promise<ServiceProcess>;
}> {
  const address = `127.0.0.1:${port}`;
  switch (name) {
    case 'bigtable':
      return {
        service: await startBigtable(programs.cbtemulator!, dir, port),
        env: {BIGTABLE_EMULATOR_HOST: address},
      };
    case 'pubsub':
      return {
        service: await startPubsub(programs.pubsubEmulator!, dir, port),
        env: {PUBSUB_EMULATOR_HOST: address},
      };
    case 'gcs': {
      const service = await startGcs(programs.fakeGcsServer!, dir, port);
      const env = {
        // @google-cloud/storage takes STORAGE_EMULATOR_HOST verbatim as its JSON API base, but builds
        // upload URLs from apiEndpoint: clients must also get `apiEndpoint: STORAGE_API_ENDPOINT`.
        STORAGE_EMULATOR_HOST: `http://${address}/storage/v1`,
        STORAGE_API_ENDPOINT: `http://${address}`,
      };
      return {service, env};
    }
    case 'mariadb': {
      const {service, credentials} = await startMariadb(
        {
          mariadbd: programs.mariadbd!,
          mariadbInstallDb: programs.mariadbInstallDb!,
        },
        dir,
        port,
      );
      const env = {
        MYSQL_HOST: credentials.host,
        MYSQL_PORT: String(credentials.port),
        MYSQL_USER: credentials.user,
        MYSQL_PASSWORD: credentials.password,
      };
      const restart = (old: ServiceProcess) =>
        restartMariadb(old, programs.mariadbd!, dir, port, credentials);
      return {service, env, mysql: credentials, restart};
    }
  }
}

/**
 * A port found free can be taken by someone else before the service binds it (another platform
 * starting at the same moment): a service that fails to start gets one more try on a new port.
 */
async function startServiceRetryingPort(
  name: ServiceName,
  programs: Partial<Programs>,
  dir: string,
  ports: number[],
  i: number,
) {
  try {
    return await startService(name, programs, dir, ports[i]!);
  } catch (error) {
    if (!(error instanceof ServiceStartError)) throw error;
    const [port] = await freePorts(1);
    ports[i] = port!;
    const retryDir = join(dir, `${name}-retry`);
    mkdirSync(retryDir);
    return startService(name, programs, retryDir, port!);
  }
}

export async function startPlatform(
  options: PlatformOptions = {},
): Promise<Platform> {
  const began = performance.now();
  const services = [...new Set(options.services ?? ALL_SERVICES)];
  const programs = findPrograms(services);
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? createPlatformDir();
  const ports = await freePorts(services.length);

  const started: ServiceProcess[] = [];
  const restarters = new Map<
    string,
    (old: ServiceProcess) => Promise<ServiceProcess>
  >();
  let stopping: Promise<void> | undefined;
  const platform: Platform = {
    env: {
      METADATA_SERVER_DETECTION: 'none',
      GOOGLE_CLOUD_PROJECT: LOCAL_PROJECT,
    },
    mysql: undefined,
    pids: [],
    ports,
    dir,
    startupMs: 0,
    serviceStartupMs: {},
    restart: async name => {
      const i = started.findIndex(s => s.name === name);
      const restart = restarters.get(name);
      if (i < 0 || !restart)
        throw new Error(
          `${name} is not a restartable service of this platform`,
        );
      const old = started[i]!;
      const service = await restart(old);
      started[i] = service;
      platform.pids[platform.pids.indexOf(old.pid)] = service.pid;
    },
    stop: () => {
      stopping ??= (async () => {
        await Promise.all(started.map(s => stopService(s)));
        unregisterRunning(handle);
        if (ownsDir) rmSync(dir, {recursive: true, force: true});
      })();
      return stopping;
    },
  };
  const handle = {stop: platform.stop, dir, ownsDir};
  registerRunning(handle);

  const results = await Promise.allSettled(
    services.map(async (name, i) => {
      const result = await startServiceRetryingPort(
        name,
        programs,
        dir,
        ports,
        i,
      );
      started.push(result.service);
      if (result.restart) restarters.set(result.service.name, result.restart);
      platform.serviceStartupMs[name] = Math.round(performance.now() - began);
      return result;
    }),
  );
  const failure = results.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  if (failure) {
    await platform.stop();
    throw failure.reason;
  }
  for (const result of results) {
    if (result.status !== 'fulfilled') continue;
    Object.assign(platform.env, result.value.env);
    platform.pids.push(result.value.service.pid);
    if (result.value.mysql) platform.mysql = result.value.mysql;
  }
  platform.startupMs = Math.round(performance.now() - began);
  return platform;
}
