import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {noiseLines} from './clean-output';

test('process warnings and stack frames are noise', () => {
  const output = [
    'core/storage/download.test.ts',
    '(node:29895) MaxListenersExceededWarning: Possible EventEmitter memory leak detected. 11 error listeners added to [PassThrough].',
    '(node:12) [DEP0054] DeprecationWarning: These categories are deprecated',
    'PROCESS ERROR RejectedSummaryFilesError: 1 of 5 summary file(s) had rejected lines',
    '    at ReportRun.process (/work/flex-template/pipeline.ts:229:13)',
    '    at async Module.exec (file:///work/node_modules/uvu/dist/index.mjs:141:33)',
    '    at node:internal/process/task_queues:103:5',
    '    at Array.forEach (<anonymous>)',
    '    at Object._tct_transform_5 (/work/node_modules/apache-beam/src/apache_beam/worker/data.ts:197:23) {',
    '\u001b[2m    at Object.handler (/work/test/a.test.ts:5:10)\u001b[22m',
    "Warning: a library's own console.warn",
  ].join('\n');
  assert.equal(noiseLines(output), [
    '(node:29895) MaxListenersExceededWarning: Possible EventEmitter memory leak detected. 11 error listeners added to [PassThrough].',
    '(node:12) [DEP0054] DeprecationWarning: These categories are deprecated',
    '    at ReportRun.process (/work/flex-template/pipeline.ts:229:13)',
    '    at async Module.exec (file:///work/node_modules/uvu/dist/index.mjs:141:33)',
    '    at node:internal/process/task_queues:103:5',
    '    at Array.forEach (<anonymous>)',
    '    at Object._tct_transform_5 (/work/node_modules/apache-beam/src/apache_beam/worker/data.ts:197:23) {',
    '    at Object.handler (/work/test/a.test.ts:5:10)',
    "Warning: a library's own console.warn",
  ]);
});

test('progress, log lines and the words "at" or "warning" in prose are not', () => {
  const output = [
    'functions/bundles.test.ts',
    '• • •   (3 / 3)',
    '{"severity":"WARNING","message":"slot passed","stack":"Error: x\\n    at f (/a.ts:1:2)"}',
    '  daily summary run (local store)  • • •   (3 / 3)',
    '   tests: still running local/start.test.ts (15 s in it)',
    'the job stopped at 12:00:00',
    '   at most 3 retries',
    'the run ended with a warning: see the log',
  ].join('\n');
  assert.equal(noiseLines(output), []);
});

test.run();
