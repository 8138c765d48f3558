import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {parseFlags, UsageError} from '../../core/command-line';

const ROOT = join(__dirname, '..', '..');

const refused = (argv: string[], message: RegExp, flag?: string) =>
  assert.throws(
    () =>
      parseFlags(argv, {
        day: {type: 'string'},
        json: {type: 'boolean'},
        tag: {type: 'string', multiple: true},
      }),
    (e: unknown) =>
      e instanceof UsageError && message.test(e.message) && e.flag === flag,
  );

test('parseFlags: values, --help, and every misuse a UsageError naming the flag', () => {
  const options = {
    day: {type: 'string'},
    json: {type: 'boolean', default: false},
  } as const;
  assert.equal(parseFlags(['--day', '2026-01-02'], options), {
    help: false,
    values: {day: '2026-01-02', json: false},
    positionals: [],
  });
  assert.is(parseFlags(['--help'], options).help, true);
  assert.equal(
    parseFlags(['a', '--json'], options, {positionals: true}).positionals,
    ['a'],
  );
  refused(['--dya=1'], /^Unknown option '--dya': see --help$/, 'dya');
  refused(
    ['--day'],
    /^Option '--day <value>' argument missing: see --help$/,
    'day',
  );
  refused(
    ['--json=yes'],
    /^Option '--json' does not take an argument: see --help$/,
    'json',
  );
  refused(['--day', '1', '--day', '2'], /^--day is given twice$/, 'day');
  refused(
    ['stray'],
    /^Unexpected argument 'stray': this command takes no positional arguments, see --help$/,
  );
  assert.not.throws(() =>
    parseFlags(['--tag', 'a', '--tag', 'b'], {
      tag: {type: 'string', multiple: true},
    }),
  );
});

function run(
  entry: string,
  args: string[],
): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    // No platform variables: none of these may need a service to answer --help or refuse a flag.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, entry), ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          METADATA_SERVER_DETECTION: 'none',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', code => resolve({code, stdout, stderr}));
  });
}

/** Every command line of the project: its entry and the first words of its usage. */
const COMMANDS: Array<[entry: string, usage: RegExp]> = [
  ['job/index.ts', /^Usage: daily-summary /],
  ['scripts/changelog.ts', /^Usage: npm run changelog /],
  ['scripts/reconcile.ts', /^usage: npm run reconcile /],
  ['changelog-archiver/index.ts', /^Usage: changelog-archiver/],
  ['local/start.ts', /^Usage: npm start /],
  ['local/services.ts', /^usage: npm run services /],
  ['flex-template/main.ts', /^Usage: npm run flex-template /],
  ['bench/run.ts', /^Usage: npm run bench /],
  ['test/run.ts', /^Usage: npm test /],
];

for (const [entry, usage] of COMMANDS) {
  test(`${entry}: --help prints the usage and exits 0; an unknown flag exits 2 and names it`, async () => {
    const [help, unknown] = await Promise.all([
      run(entry, ['--help']),
      run(entry, ['--no-such-flag']),
    ]);
    assert.is(help.code, 0, help.stderr);
    assert.match(help.stdout, usage);
    assert.is(unknown.code, 2, unknown.stderr);
    assert.not.match(unknown.stdout, usage);
    // The flex template logs its error as a JSON line (stdout), with the name folded to snake_case.
    const said = entry.startsWith('flex-template')
      ? unknown.stdout
      : unknown.stderr;
    assert.match(said, /Unknown option '--no[-_]such[-_]flag'/);
  });
}

test.run();
