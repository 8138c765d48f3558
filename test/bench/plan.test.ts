import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {UnknownBenchmarkError, planBenchmarks} from '../../bench/_plan';

const files = ['cold-start', 'daily-summary', 'generate', 'replicate'];
const plan = (...wanted: string[]) =>
  Object.fromEntries(planBenchmarks(wanted, files));

test('nothing named runs every file with all its figures', () => {
  assert.equal(plan(), {
    'cold-start': [],
    'daily-summary': [],
    generate: [],
    replicate: [],
  });
});

test('a figure named runs only that figure of its file', () => {
  assert.equal(plan('daily-summary-memory'), {
    'daily-summary': ['daily-summary-memory'],
  });
  assert.equal(plan('replicate-cpu', 'replicate-db-own-core'), {
    replicate: ['replicate-cpu', 'replicate-db-own-core'],
  });
});

test('a file named runs all its figures, whatever figure of it is named beside it', () => {
  assert.equal(plan('daily-summary'), {'daily-summary': []});
  assert.equal(plan('daily-summary', 'daily-summary-memory'), {
    'daily-summary': [],
  });
  assert.equal(plan('daily-summary-memory', 'daily-summary'), {
    'daily-summary': [],
  });
});

test('files run in the order first named; a figure named twice runs once', () => {
  assert.equal(
    [...planBenchmarks(['replicate-cpu', 'generate', 'replicate-cpu'], files)],
    [
      ['replicate', ['replicate-cpu']],
      ['generate', []],
    ],
  );
});

test('the longest file name that prefixes a figure owns it', () => {
  assert.equal(
    Object.fromEntries(
      planBenchmarks(['daily-summary-scope'], ['daily', 'daily-summary']),
    ),
    {'daily-summary': ['daily-summary-scope']},
  );
});

test('an unknown name is refused with the files there are', () => {
  assert.throws(
    () => plan('replicat'),
    (error: unknown) =>
      error instanceof UnknownBenchmarkError &&
      /"replicat".*cold-start, daily-summary/.test(error.message),
  );
  assert.throws(
    () => plan('generates'),
    (error: unknown) => error instanceof UnknownBenchmarkError,
  );
});

test.run();
