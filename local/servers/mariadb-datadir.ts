/**
 * A fresh MariaDB datadir. `mariadb-install-db` costs about two seconds, so its result is kept
 * once per mariadbd build (and server options) in the tool cache and copied (~0.1 s) afterwards.
 */
import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {toolCacheDir} from '../../core/cache-dir';

async function installDb(
  mariadbInstallDb: string,
  datadir: string,
  options: string[],
): Promise<void> {
  // Its own tmpdir: bootstraps running at once in a shared /tmp trip over each other's temp tables.
  const tmpdir = `${datadir}.tmp`;
  mkdirSync(tmpdir, {recursive: true});
  try {
    await promisify(execFile)(mariadbInstallDb, [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--tmpdir=${tmpdir}`,
      '--skip-test-db',
      ...options,
    ]);
  } catch (error) {
    const {message, stderr} = error as Error & {stderr?: string};
    throw new Error(`mariadb-install-db failed: ${message}\n${stderr ?? ''}`);
  } finally {
    rmSync(tmpdir, {recursive: true, force: true});
  }
}

function templateKey(mariadbd: string, options: string[]): string {
  const binary = statSync(mariadbd);
  return createHash('sha256')
    .update(
      JSON.stringify([
        mariadbd,
        binary.size,
        binary.mtimeMs,
        options,
        process.getuid?.(),
      ]),
    )
    .digest('hex')
    .slice(0, 16);
}

export async function createDatadir(
  programs: {mariadbd: string; mariadbInstallDb: string},
  datadir: string,
  options: string[],
): Promise<void> {
  const templates = join(toolCacheDir(), 'mariadb-datadir');
  const template = join(templates, templateKey(programs.mariadbd, options));
  if (!existsSync(template)) {
    // Built aside and renamed into place, so concurrent platforms never copy a half-made one.
    const building = `${template}.${process.pid}.${Date.now()}`;
    mkdirSync(templates, {recursive: true});
    try {
      await installDb(programs.mariadbInstallDb, building, options);
      renameSync(building, template);
    } catch (error) {
      rmSync(building, {recursive: true, force: true});
      if (!existsSync(template)) throw error;
    }
  }
  cpSync(template, datadir, {recursive: true});
}
