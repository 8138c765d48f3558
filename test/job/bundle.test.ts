/**
 * The job's deployable artifact as the image holds it: dist/job copied alone into an empty directory
 * (no node_modules anywhere above it), run with plain node against the emulator and fake-gcs-server.
 */
import {spawnSync} from 'node:child_process';
import {cpSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {summaryFileName} from '../../core/summary-csv';
import {
  isolatedBigtable,
  setWatermark,
  type TestBigtable,
  transactionsOf,
  writeTransactions,
} from '../core/summary/fixtures';
import {gcsStore, type TestStore} from '../core/summary/stores';
import {printingErrors} from '../support/hooks';

const ROOT = join(__dirname, '..', '..');
let t: TestBigtable;
let gcs: TestStore;
let image: string;

test.before(
  printingErrors(async () => {
    const build = spawnSync(
      process.execPath,
      [join(ROOT, 'esbuild.config.mjs'), 'job'],
      {cwd: ROOT, encoding: 'utf8'},
    );
    assert.is(build.status, 0, build.stdout + build.stderr);
    image = mkdtempSync(join(tmpdir(), 'job-image-'));
    cpSync(join(ROOT, 'dist', 'job'), image, {recursive: true});
    t = await isolatedBigtable('job-bundle');
    gcs = await gcsStore('bundle');
    await writeTransactions(t, transactionsOf('2026-04-01', 300, 7));
    await setWatermark(t, new Date());
  }),
);

test.after(async () => {
  await gcs?.cleanup();
  await t?.close();
  if (image) rmSync(image, {recursive: true, force: true});
});

test('the bundle alone (index.js, package.json, bigtable-protos) summarizes a backfill into gs://', async () => {
  assert.equal(
    readdirSync(image)
      .filter(name => !name.endsWith('.map') && !name.endsWith('.LEGAL.txt'))
      .sort(),
    ['bigtable-protos', 'index.js', 'package.json'],
  );
  const run = spawnSync(
    process.execPath,
    ['index.js', '--from', '2026-04-01', '--to', '2026-04-02'],
    {
      cwd: image,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        BIGTABLE_EMULATOR_HOST: process.env.BIGTABLE_EMULATOR_HOST,
        STORAGE_EMULATOR_HOST: process.env.STORAGE_EMULATOR_HOST,
        STORAGE_API_ENDPOINT: process.env.STORAGE_API_ENDPOINT,
        METADATA_SERVER_DETECTION: 'none',
        GOOGLE_CLOUD_PROJECT: t.resources.project,
        BIGTABLE_INSTANCE: t.instanceId,
        OUTPUT_URI: gcs.uri,
      },
    },
  );
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.equal(await gcs.store.list(), [
    summaryFileName('2026-04-01'),
    summaryFileName('2026-04-02'),
  ]);
  assert.match(
    (await gcs.store.read(summaryFileName('2026-04-01'))).toString(),
    /\n2026-04-01,TOTAL,ALL,300,\n$/,
  );
  assert.match(
    (await gcs.store.read(summaryFileName('2026-04-02'))).toString(),
    /^date,[^\n]*\n2026-04-02,TOTAL,ALL,0,\n$/,
  );
});

test.run();
