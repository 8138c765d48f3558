import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {encodeRowKey} from '../../core/bigtable/row-key';
import {UsageError} from '../../core/command-line';
import {ConfigError} from '../../core/config';
import {parseChangelogCommand} from '../../scripts/changelog-options';

const env = {CHANGELOG_URI: 'gs://b/changelog/'};
const now = new Date('2026-12-01T10:00:00Z');
const key = encodeRowKey(
  'slot-2026112613-00042',
  new Date('2026-11-26T13:45:12.345Z'),
);

function options(argv: string[], e: Record<string, string> = env) {
  const parsed = parseChangelogCommand(argv, e, now);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.options;
}

const usage = (argv: string[], message: RegExp) =>
  assert.throws(
    () => parseChangelogCommand(argv, env, now),
    (error: unknown) =>
      error instanceof UsageError && message.test(error.message),
  );

test('--row alone reads from the start of the day in its key until now', () => {
  const o = options(['--row', key]);
  assert.equal(
    [o.rowKey, o.from.toISOString(), o.to.toISOString(), o.archiveUri, o.json],
    [
      key,
      '2026-11-26T00:00:00.000Z',
      now.toISOString(),
      env.CHANGELOG_URI,
      false,
    ],
  );
});

test('--from/--to take instants, hours and days (a --to day includes the whole day)', () => {
  const o = options([
    '--from',
    '2026-11-26T13Z',
    '--to',
    '2026-11-27',
    '--json',
    '--archive',
    '/tmp/a',
  ]);
  assert.equal(
    [o.from.toISOString(), o.to.toISOString(), o.archiveUri, o.json, o.rowKey],
    [
      '2026-11-26T13:00:00.000Z',
      '2026-11-27T23:59:59.999Z',
      '/tmp/a',
      true,
      undefined,
    ],
  );
  assert.is(
    options([
      '--from',
      '2026-11-26T13:05:06.7Z',
      '--to',
      '2026-11-26T14:00:00Z',
    ]).from.toISOString(),
    '2026-11-26T13:05:06.700Z',
  );
});

test('bad flags are usage errors that say what to do', () => {
  usage([], /give --row KEY, or --from T/);
  usage(['--row', 'not-a-txn-key'], /not a txn_tbl row key.*give --from too/);
  usage(['--from', 'yesterday'], /--from must be an ISO instant/);
  usage(['--from', '2026-02-30'], /not a real time/);
  usage(['--from', '2026-11-27', '--to', '2026-11-26'], /is after --to/);
  usage(['--row', key, '--colour'], /Unknown option '--colour'/);
  usage(['--row', key, 'extra'], /positional/i);
  assert.equal(parseChangelogCommand(['--help'], {}, now), {help: true});
});

test('without --archive, CHANGELOG_URI is required', () => {
  assert.throws(
    () => parseChangelogCommand(['--row', key], {}, now),
    (error: unknown) =>
      error instanceof ConfigError &&
      /CHANGELOG_URI is required/.test(error.message),
  );
});

test.run();
