/**
 * `npm run services` (local/services.ts) as a user runs it: flags are checked before anything
 * starts, and the env file it writes for `source` goes away when it stops.
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(__dirname, '..', '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'services-test-'));
const cli = ['--import', 'tsx', 'local/services.ts'];

function services(args: string[]) {
  return spawnSync(process.execPath, [...cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('a misspelt flag is refused before anything starts', () => {
  const envFile = path.join(scratch, 'typo.env');
  const run = services([
    '--push-endpont',
    'http://127.0.0.1:1/',
    '--exports-file',
    envFile,
  ]);
  assert.is(run.status, 2, run.stderr);
  assert.match(run.stderr, "Unknown option '--push-endpont'");
  assert.match(run.stderr, 'usage: npm run services');
  assert.not.ok(existsSync(envFile), 'services started despite the bad flag');
});

test('--help prints the usage and starts nothing', () => {
  const run = services(['--help']);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, '--push-endpoint URL');
  assert.is(run.stderr, '');
});

test('the env file is written on start and removed on Ctrl-C', async () => {
  const envFile = path.join(scratch, 'services.env');
  const child = spawn(process.execPath, [...cli, '--exports-file', envFile], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>(resolve =>
    child.once('exit', code => resolve(code)),
  );
  // The env file is written once every service answers and is provisioned.
  const began = Date.now();
  while (
    !output.includes('# in another shell') &&
    child.exitCode === null &&
    Date.now() - began < 120_000
  ) {
    await new Promise(r => setTimeout(r, 200));
  }
  assert.ok(existsSync(envFile), `no env file:\n${output}`);
  assert.match(
    readFileSync(envFile, 'utf8'),
    /^export BIGTABLE_EMULATOR_HOST=127\.0\.0\.1:\d+$/m,
  );
  child.kill('SIGINT');
  assert.is(await exited, 130, output);
  assert.not.ok(existsSync(envFile), 'a stale env file outlived the services');
});

test.after(() => rmSync(scratch, {recursive: true, force: true}));
test.run();
