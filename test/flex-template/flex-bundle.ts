/** dist/flex-template, the bundle the launcher image runs, built as `npm run build` builds it. */
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '../..');
export const FLEX_BUNDLE = path.join(ROOT, 'dist/flex-template/index.js');

/** `node esbuild.config.mjs flex-template` (a few seconds): dist/flex-template from the source as it is. */
export function buildFlexBundle(): void {
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, 'esbuild.config.mjs'), 'flex-template'],
    {cwd: ROOT, encoding: 'utf8'},
  );
  if (run.status !== 0)
    throw new Error(
      `building the flex-template bundle failed: ${run.stderr}${run.stdout}`,
    );
}
