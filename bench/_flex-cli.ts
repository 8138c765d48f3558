/**
 * The flex-template CLI as the deployed template runs it: `node FLEX_NODE_FLAGS dist/flex-template/index.js`, the
 * bundle the launcher image runs (built first, untimed), as a whole process under GNU time
 * (Debian's `time` package) for its CPU-seconds and peak RSS. Shared by flex-load-cbt and
 * flex-load-memory.
 */
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';
import {FLEX_BUNDLE} from '../test/flex-template/flex-bundle';
import {FLEX_NODE_FLAGS} from '../flex-template/node-flags';

export {buildFlexBundle} from '../test/flex-template/flex-bundle';

const ROOT = path.join(__dirname, '..');

export interface ProcessRun {
  ms: number;
  /** User + system CPU-seconds of the process (every thread). */
  cpuS: number;
  peakMb: number;
}

/** Runs `command args` to its exit; throws with its output unless it exits 0. */
export function measuredProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): ProcessRun {
  const started = performance.now();
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', 'measured=%U,%S,%M', command, ...args],
    {env, encoding: 'utf8', cwd: ROOT, maxBuffer: 256 * 1024 * 1024},
  );
  const ms = performance.now() - started;
  if (run.error)
    throw new Error(
      `${run.error.message}: /usr/bin/time is needed (apt-get install -y time)`,
    );
  const measured = /measured=([\d.]+),([\d.]+),(\d+)/.exec(run.stderr);
  if (run.status !== 0 || !measured)
    throw new Error(
      `${command} ${args.join(' ')} exited ${run.status}: ${run.stderr.slice(-2000)}${run.stdout.slice(-2000)}`,
    );
  return {
    ms,
    cpuS: Number(measured[1]) + Number(measured[2]),
    peakMb: Number(measured[3]) / 1024,
  };
}

/** node's arguments for an auto load of `input` into `table`: the flags and the bundle's own. */
export function flexCliArgs(
  input: string,
  project: string,
  instance: string,
  table: string,
): string[] {
  return [
    ...FLEX_NODE_FLAGS,
    FLEX_BUNDLE,
    `--input=${input}`,
    `--bigtable_project=${project}`,
    `--bigtable_instance=${instance}`,
    `--bigtable_table=${table}`,
    '--dates_suffixes=auto',
  ];
}
