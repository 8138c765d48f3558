/**
 * `npm test` (after the typecheck): starts the local platform once, runs the uvu suites
 * (`test/**\/*.test.ts`, or those matching `npm test -- <pattern>`) in one child process with the
 * platform's variables, stops the platform whatever happened, and ends with
 * `tests: N passed, N failed`. Exits non-zero on any failure, or when no test ran, or when a
 * passing run printed a warning or a stack trace (one failure more).
 */
import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {parseFlags, UsageError} from '../core/command-line';
import {startPlatform, type Platform} from '../local/platform';
import {which} from '../local/prerequisites';
import {noiseLines} from './support/clean-output';
import {SilenceBeat} from './support/silence-beat';
import {readUvuResults, verdict} from './support/uvu-summary';
import {
  listTestFiles,
  selectTestFiles,
  uvuPatternFor,
} from './support/test-files';

const root = join(__dirname, '..');
const testDir = join(__dirname);
const timeoutMs = Number(process.env.TEST_TIMEOUT_MS ?? 30 * 60_000);

/** Runs the suites in one child (support/uvu-suites.ts); its results come back on fd 3. */
function runUvu(
  pattern: string,
  env: NodeJS.ProcessEnv,
): Promise<{code: number; results: string; output: string; errors: string}> {
  const args = [
    '--import',
    'tsx',
    join(testDir, 'support', 'uvu-suites.ts'),
    'test',
    pattern,
  ];
  // Like the services: the test process dies with this one, even if this one is SIGKILLed.
  const setpriv = process.platform === 'linux' ? which('setpriv') : undefined;
  const [file, argv] = setpriv
    ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', process.execPath, ...args]]
    : [process.execPath, args];
  return new Promise(resolve => {
    const colour = process.stdout.isTTY ? {FORCE_COLOR: '1'} : {};
    const child = spawn(file, argv, {
      cwd: root,
      env: {...env, ...colour},
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let results = '';
    let output = '';
    let errors = '';
    const beat = new SilenceBeat(text => process.stdout.write(text));
    const beating = setInterval(() => beat.tick(), 1_000);
    child.stdio[3]!.on(
      'data',
      (chunk: Buffer) => (results += chunk.toString()),
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
      beat.saw(chunk.toString());
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
      process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      console.error(
        `\ntest run exceeded ${timeoutMs} ms (TEST_TIMEOUT_MS): killing it`,
      );
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(beating);
      resolve({code: code ?? (signal ? 1 : 0), results, output, errors});
    });
  });
}

const USAGE = `Usage: npm test [-- PATTERN]

Typecheck, then the test files under test/ whose path matches PATTERN (a case-insensitive regular
expression; all *.test.ts without one), with the local platform started for them and stopped after.
`;

async function main(): Promise<number> {
  let filter: string | undefined;
  try {
    const {help, positionals} = parseFlags(
      process.argv.slice(2),
      {},
      {positionals: true},
    );
    if (help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length > 1)
      throw new UsageError(
        `one PATTERN at most, got ${positionals.length}: join them with |`,
      );
    filter = positionals[0];
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`npm test: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  const files = selectTestFiles(listTestFiles(testDir), filter);
  if (files.length === 0) {
    console.error(
      `no test file matches ${filter ? `"${filter}"` : '*.test.ts'} under test/`,
    );
    console.log('tests: 0 passed, 1 failed');
    return 1;
  }

  let platform: Platform | undefined;
  let result = {code: 1, results: '', output: '', errors: ''};
  try {
    console.log(
      'platform: starting the emulators, MariaDB and fake-gcs-server',
    );
    platform = await startPlatform();
    const each = Object.entries(platform.serviceStartupMs)
      .map(([name, ms]) => `${name} ${ms}`)
      .join(', ');
    console.log(
      `platform: started in ${platform.startupMs} ms (${each}) under ${platform.dir}`,
    );
    result = await runUvu(uvuPatternFor(files), {
      ...process.env,
      ...platform.env,
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
  } finally {
    const began = performance.now();
    await platform?.stop();
    if (platform)
      console.log(
        `platform: stopped in ${Math.round(performance.now() - began)} ms`,
      );
  }

  const outcome = verdict(readUvuResults(result.results), result.code);
  // A passing run reads clean: a warning or a stack trace in it counts as one failure more.
  const noise = outcome.ok
    ? noiseLines(`${result.output}\n${result.errors}`)
    : [];
  if (noise.length > 0) {
    console.error(
      `\na passing run printed ${noise.length} warning or stack-trace line(s) (test/support/clean-output.ts), the first:\n${noise.slice(0, 5).join('\n')}`,
    );
  }
  console.log(
    `tests: ${outcome.passed} passed, ${outcome.failed + (noise.length > 0 ? 1 : 0)} failed`,
  );
  return outcome.ok && noise.length === 0 ? 0 : 1;
}

void main().then(code => process.exit(code));
