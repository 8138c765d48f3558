import { join } from 'node:path';
import type { Phase } from '../phase';
import { runToEnd } from '../run-to-end';

/** The bundles that deploy (esbuild.config.mjs), into dist/. */
export const buildPhase: Phase = {
  name: 'build',
  unit: 'bundles',
  async run(context) {
    await runToEnd('build', process.execPath, [join(context.root, 'esbuild.config.mjs')], { dir: context.platform!.dir, env: process.env });
    return { items: 4, unit: 'bundles' };
  },
};
