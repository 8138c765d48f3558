/**
 * Where the local platform's programs live, checked before anything starts so that a missing
 * tool fails at once with the command that installs it (not with a spawn ENOENT mid-start).
 */
import {execFileSync} from 'node:child_process';
import {accessSync, constants, readFileSync, realpathSync} from 'node:fs';
import {delimiter, dirname, join} from 'node:path';
import {toolCacheDir} from '../core/cache-dir';
import {PrerequisiteError} from './prerequisite-error';

const SETUP = 'bash scripts/setup.sh';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable named `name` on PATH (plus the sbin dirs, where Debian puts mariadbd). */
export function which(
  name: string,
  path = process.env.PATH ?? '',
): string | undefined {
  const dirs = [
    ...path.split(delimiter),
    '/usr/local/sbin',
    '/usr/sbin',
    '/sbin',
  ];
  for (const dir of dirs) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function requireProgram(name: string, installCommand: string): string {
  const found = which(name);
  if (!found) throw new PrerequisiteError(name, installCommand);
  return found;
}

/**
 * The gcloud SDK root. Following the `gcloud` symlink is instant; `gcloud info` (the documented
 * way) costs seconds of Python start-up, so it is only the fallback.
 */
function gcloudSdkRoot(): string {
  const gcloud = requireProgram(
    'gcloud',
    'apt-get install -y google-cloud-cli',
  );
  const guess = dirname(dirname(realpathSync(gcloud)));
  if (isExecutable(join(guess, 'bin', 'gcloud'))) return guess;
  return execFileSync(
    gcloud,
    ['info', '--format=value(installation.sdk_root)'],
    {encoding: 'utf8'},
  ).trim();
}

function fakeGcsServerVersion(): string {
  return readFileSync(
    join(__dirname, 'fake-gcs-server.version'),
    'utf8',
  ).trim();
}

/** One directory per pinned version, so "installed at that version" is a file-exists check. */
function fakeGcsServerPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(
    toolCacheDir(env),
    'bin',
    `fake-gcs-server-${fakeGcsServerVersion()}`,
    'fake-gcs-server',
  );
}

export interface Programs {
  cbtemulator: string;
  pubsubEmulator: string;
  mariadbd: string;
  mariadbInstallDb: string;
  fakeGcsServer: string;
}

export type ServiceName = 'bigtable' | 'pubsub' | 'mariadb' | 'gcs';

/** Resolve the programs of the given services, throwing PrerequisiteError for the first missing one. */
export function findPrograms(
  services: readonly ServiceName[],
): Partial<Programs> {
  const programs: Partial<Programs> = {};
  const wants = (s: ServiceName) => services.includes(s);
  if (wants('bigtable') || wants('pubsub')) {
    const sdk = gcloudSdkRoot();
    if (wants('bigtable')) {
      const cbt = join(sdk, 'platform', 'bigtable-emulator', 'cbtemulator');
      if (!isExecutable(cbt)) {
        throw new PrerequisiteError(
          'cbtemulator',
          'apt-get install -y google-cloud-cli-bigtable-emulator',
        );
      }
      programs.cbtemulator = cbt;
    }
    if (wants('pubsub')) {
      const pubsub = join(
        sdk,
        'platform',
        'pubsub-emulator',
        'bin',
        'cloud-pubsub-emulator',
      );
      if (!isExecutable(pubsub)) {
        throw new PrerequisiteError(
          'cloud-pubsub-emulator',
          'apt-get install -y google-cloud-cli-pubsub-emulator',
        );
      }
      requireProgram('java', 'apt-get install -y openjdk-17-jre-headless');
      programs.pubsubEmulator = pubsub;
    }
  }
  if (wants('mariadb')) {
    programs.mariadbd = requireProgram(
      'mariadbd',
      'apt-get install -y mariadb-server',
    );
    programs.mariadbInstallDb = requireProgram(
      'mariadb-install-db',
      'apt-get install -y mariadb-server',
    );
  }
  if (wants('gcs')) {
    const gcs = fakeGcsServerPath();
    if (!isExecutable(gcs))
      throw new PrerequisiteError(
        `fake-gcs-server ${fakeGcsServerVersion()}`,
        SETUP,
      );
    programs.fakeGcsServer = gcs;
  }
  return programs;
}
