import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  REPORTED_ERROR_EVENT,
  createLogger,
  serviceContextFor,
  withRequestLogFields,
} from '../../core/log';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  return {
    lines,
    sink: {
      write: (line: string) =>
        void lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  };
}

const service = {service: 'httpGenerate', version: 'httpgenerate-00007-abc'};

test('an error with a stack: severity ERROR, the stack as stack_trace, the service context', () => {
  const {lines, sink} = capture();
  const log = createLogger('httpGenerate', sink, 'info', service);
  const error = new Error('connect ECONNREFUSED');
  log.error({err: error, batchId: 'b-1'}, 'generation failed');
  log.error(new TypeError('thrown as is'));
  const [first, second] = lines;
  assert.is(first!.severity, 'ERROR');
  assert.is(first!.message, 'generation failed');
  assert.is(first!.stack_trace, error.stack);
  assert.match(
    String(first!.stack_trace),
    /^Error: connect ECONNREFUSED\n {4}at /,
  );
  assert.equal(first!.serviceContext, service);
  assert.is(first!['@type'], undefined, 'a stack trace is reported by itself');
  assert.is(first!.batchId, 'b-1');
  assert.match(String(second!.stack_trace), /^TypeError: thrown as is/);
});

test('an error with no stack is typed as a ReportedErrorEvent, its message being the error', () => {
  const {lines, sink} = capture();
  const log = createLogger('bigtableToAvro', sink, 'info', service);
  log.error({quarantined: 3}, 'rows quarantined in this run');
  const stackless = new Error('no stack');
  stackless.stack = undefined;
  log.fatal({err: stackless}, 'stackless');
  assert.is(lines[0]!['@type'], REPORTED_ERROR_EVENT);
  assert.is(lines[0]!.message, 'rows quarantined in this run');
  assert.equal(lines[0]!.serviceContext, service);
  assert.is(lines[0]!.stack_trace, undefined);
  assert.is(lines[1]!.severity, 'CRITICAL');
  assert.is(lines[1]!['@type'], REPORTED_ERROR_EVENT);
});

test('lines below ERROR carry no Error Reporting fields', () => {
  const {lines, sink} = capture();
  const log = createLogger('x', sink, 'debug', service);
  log.warn({err: new Error('retried')}, 'lease left to expire');
  log.info('fine');
  for (const line of lines) {
    assert.is(line.stack_trace, undefined);
    assert.is(line['@type'], undefined);
    assert.is(line.serviceContext, undefined);
  }
  assert.is(lines[0]!.severity, 'WARNING');
});

test('request fields reach every line logged inside the request, through awaits and child loggers, and no other', async () => {
  const {lines, sink} = capture();
  const log = createLogger('x', sink, 'info', service);
  const trace = {
    'logging.googleapis.com/trace': 'projects/p/traces/abc',
    'logging.googleapis.com/trace_sampled': true,
  };
  const other = {
    'logging.googleapis.com/trace': 'projects/p/traces/def',
    'logging.googleapis.com/trace_sampled': false,
  };
  await Promise.all([
    withRequestLogFields(trace, async () => {
      log.info('first');
      await new Promise(resolve => setTimeout(resolve, 5));
      log.child({step: 'claim'}).error('later');
    }),
    withRequestLogFields(other, async () => {
      await new Promise(resolve => setTimeout(resolve, 1));
      log.info('other');
    }),
  ]);
  log.info('outside');
  const byMessage = Object.fromEntries(lines.map(line => [line.message, line]));
  assert.is(
    byMessage.first!['logging.googleapis.com/trace'],
    'projects/p/traces/abc',
  );
  assert.is(
    byMessage.later!['logging.googleapis.com/trace'],
    'projects/p/traces/abc',
  );
  assert.is(byMessage.later!.step, 'claim');
  assert.is(byMessage.later!['@type'], REPORTED_ERROR_EVENT);
  assert.is(
    byMessage.other!['logging.googleapis.com/trace'],
    'projects/p/traces/def',
  );
  assert.is(byMessage.other!['logging.googleapis.com/trace_sampled'], false);
  assert.is(byMessage.outside!['logging.googleapis.com/trace'], undefined);
});

test('the service context: the Cloud Run service and revision where set, the component and package version otherwise', () => {
  assert.equal(
    serviceContextFor('httpGenerate', {
      K_SERVICE: 'http-generate',
      K_REVISION: 'http-generate-00003-xyz',
    }),
    {service: 'http-generate', version: 'http-generate-00003-xyz'},
  );
  assert.equal(
    serviceContextFor('daily-summary', {CLOUD_RUN_JOB: 'daily-summary-job'})
      .service,
    'daily-summary-job',
  );
  const local = serviceContextFor('flex-template', {});
  assert.is(local.service, 'flex-template');
  assert.match(local.version, /^\d+\.\d+\.\d+/);
});

test('secrets stay redacted on error lines', () => {
  const {lines, sink} = capture();
  createLogger('x', sink, 'info', service).error(
    {err: new Error('auth'), connection: {password: 'hunter2', host: 'h'}},
    'failed',
  );
  assert.not.match(JSON.stringify(lines), 'hunter2');
});

test.run();
