import {homedir} from 'node:os';
import {join} from 'node:path';

/**
 * The project's cache directory, the one scripts/setup.sh fills (the Go-built fake-gcs-server,
 * MariaDB's template data directory, the pinned Python apache-beam venv): `$XDG_CACHE_HOME` (or
 * `~/.cache` when it is unset or empty, as the XDG spec says) + `/finserv-pipeline`.
 */
export function toolCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(
    env.XDG_CACHE_HOME || join(homedir(), '.cache'),
    'finserv-pipeline',
  );
}
