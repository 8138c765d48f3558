import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  parseCloudTraceContext,
  parseTraceparent,
  traceFromHeaders,
  traceLogFields,
} from '../../core/trace-context';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

test('traceparent: trace, span and the sampled flag; malformed ones are ignored', () => {
  assert.equal(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-01`), {
    traceId: TRACE,
    spanId: '00f067aa0ba902b7',
    sampled: true,
  });
  assert.equal(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-00`), {
    traceId: TRACE,
    spanId: '00f067aa0ba902b7',
    sampled: false,
  });
  // A later version may append fields; version 00 may not.
  assert.equal(
    parseTraceparent(`01-${TRACE}-00f067aa0ba902b7-03-later`)?.sampled,
    true,
  );
  for (const bad of [
    `00-${TRACE}-00f067aa0ba902b7-01-extra`,
    `ff-${TRACE}-00f067aa0ba902b7-01`,
    `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
    `00-${TRACE}-${'0'.repeat(16)}-01`,
    `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
    `00-${TRACE}-00f067aa0ba902b7`,
    'garbage',
    '',
  ]) {
    assert.is(parseTraceparent(bad), undefined, bad);
  }
});

test('X-Cloud-Trace-Context: the decimal span id becomes 16 hex digits; o=1 is sampled', () => {
  assert.equal(parseCloudTraceContext(`${TRACE}/1;o=1`), {
    traceId: TRACE,
    spanId: '0000000000000001',
    sampled: true,
  });
  assert.equal(
    parseCloudTraceContext(`${TRACE.toUpperCase()}/18446744073709551615;o=0`),
    {traceId: TRACE, spanId: 'ffffffffffffffff', sampled: false},
  );
  assert.equal(parseCloudTraceContext(TRACE), {traceId: TRACE, sampled: false});
  // A span id past 64 bits names no span; the trace still counts.
  assert.equal(parseCloudTraceContext(`${TRACE}/18446744073709551616`), {
    traceId: TRACE,
    sampled: false,
  });
  assert.is(parseCloudTraceContext(`${TRACE.slice(1)}/1;o=1`), undefined);
  assert.is(parseCloudTraceContext(`${'0'.repeat(32)}/1;o=1`), undefined);
});

test('headers: traceparent wins over X-Cloud-Trace-Context, a bad one falls back; fields name the project', () => {
  const other = 'a'.repeat(32);
  assert.is(
    traceFromHeaders({
      traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
      'x-cloud-trace-context': `${other}/5;o=1`,
    })?.traceId,
    TRACE,
  );
  assert.is(
    traceFromHeaders({
      traceparent: 'broken',
      'x-cloud-trace-context': `${other}/5;o=1`,
    })?.traceId,
    other,
  );
  assert.is(
    traceFromHeaders({traceparent: [`00-${TRACE}-00f067aa0ba902b7-01`]})
      ?.traceId,
    TRACE,
  );
  assert.is(traceFromHeaders({}), undefined);
  assert.is(traceFromHeaders({traceparent: 42}), undefined);
  assert.equal(
    traceLogFields(
      {traceId: TRACE, spanId: '00f067aa0ba902b7', sampled: true},
      'my-project',
    ),
    {
      'logging.googleapis.com/trace': `projects/my-project/traces/${TRACE}`,
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    },
  );
  assert.equal(traceLogFields({traceId: TRACE, sampled: false}, 'p-1'), {
    'logging.googleapis.com/trace': `projects/p-1/traces/${TRACE}`,
    'logging.googleapis.com/trace_sampled': false,
  });
});

test.run();
