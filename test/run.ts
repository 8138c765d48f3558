/**
 * `npm test` (after the typecheck): starts the local platform once, runs the uvu suites
 * (`test/**\/*.test.ts`, or those matching `npm test -- <pattern>`) in one child process with the
 * platform's variables, stops the platform whatever happened, and ends with
 * `tests: N passed, N failed`. Exits non-zero on any failure, or when no test ran, or when a
 * passing run printed a warning or a stack trace (one failure more).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startPlatform, type Platform } from '../local/platform';
import { which } from '../local/prerequisites';
import { noiseLines } from './support/clean-output';
import { SilenceBeat } from './support/silence-beat';
import { parseUvuProgress, parseUvuTotals, verdict } from './support/uvu-summary';
import { listTestFiles, selectTestFiles, uvuPatternFor } from './support/test-files';

const root = join(__dirname, '..');
const testDir = join(__dirname);
const timeoutMs = Number(process.env.TEST_TIMEOUT_MS ?? 30 * 60_000);

function runUvu(pattern: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string; errors: string }> {
  const uvu = join(root, 'node_modules', 'uvu', 'bin.js');
  const args = ['--import', 'tsx', uvu, 'test', pattern, ...(process.stdout.isTTY ? [] : ['--no-color'])];
  // Like the services: the test process dies with this one, even if this one is SIGKILLed.
  const setpriv = process.platform === 'linux' ? which('setpriv') : undefined;
  const [file, argv] = setpriv
    ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', process.execPath, ...args]]
    : [process.execPath, args];
  return new Promise((resolve) => {
    const child = spawn(file, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    const beat = new SilenceBeat((text) => process.stdout.write(text));
    const beating = setInterval(() => beat.tick(), 1_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
      beat.saw(chunk.toString());
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
      process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      console.error(`\ntest run exceeded ${timeoutMs} ms (TEST_TIMEOUT_MS): killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(beating);
      resolve({ code: code ?? (signal ? 1 : 0), output, errors });
    });
  });
}

async function main(): Promise<number> {
  const filter = process.argv[2];
  const files = selectTestFiles(listTestFiles(testDir), filter);
  if (files.length === 0) {
    console.error(`no test file matches ${filter ? `"${filter}"` : '*.test.ts'} under test/`);
    console.log('tests: 0 passed, 1 failed');
    return 1;
  }

  let platform: Platform | undefined;
  let result = { code: 1, output: '', errors: '' };
  try {
    console.log('platform: starting the emulators, MariaDB and fake-gcs-server');
    platform = await startPlatform();
    const each = Object.entries(platform.serviceStartupMs).map(([name, ms]) => `${name} ${ms}`).join(', ');
    console.log(`platform: started in ${platform.startupMs} ms (${each}) under ${platform.dir}`);
    result = await runUvu(uvuPatternFor(files), { ...process.env, ...platform.env });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
  } finally {
    const began = performance.now();
    await platform?.stop();
    if (platform) console.log(`platform: stopped in ${Math.round(performance.now() - began)} ms`);
  }

  const outcome = verdict(parseUvuTotals(result.output), result.code, parseUvuProgress(result.output));
  // A passing run reads clean: a warning or a stack trace in it counts as one failure more.
  const noise = outcome.ok ? noiseLines(`${result.output}\n${result.errors}`) : [];
  if (noise.length > 0) {
    console.error(`\na passing run printed ${noise.length} warning or stack-trace line(s) (test/support/clean-output.ts), the first:\n${noise.slice(0, 5).join('\n')}`);
  }
  console.log(`tests: ${outcome.passed} passed, ${outcome.failed + (noise.length > 0 ? 1 : 0)} failed`);
  return outcome.ok && noise.length === 0 ? 0 : 1;
}

main().then((code) => process.exit(code));
