import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Phase} from '../phase';
import {runToEnd} from '../run-to-end';

/** The bundles the run serves and runs, built by esbuild.config.mjs into dist/ as a deploy builds them. */
export const BUNDLES = [
  'httpGenerate',
  'pubsubReplicate',
  'bigtableToAvro',
  'job',
  'flex-template',
];

/** Needs nothing of the platform: it runs beside the platform's start. */
export const buildPhase: Phase = {
  name: 'build',
  unit: 'bundles',
  async run(context) {
    const dir = mkdtempSync(join(tmpdir(), 'npm-start-build-'));
    try {
      await runToEnd(
        'build',
        process.execPath,
        [join(context.root, 'esbuild.config.mjs'), ...BUNDLES],
        {dir, env: process.env},
      );
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
    return {
      items: BUNDLES.length,
      unit: 'bundles',
      detail: BUNDLES.map(b => `dist/${b}`).join(', '),
    };
  },
};
