import {randomBytes} from 'node:crypto';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import type {RowDataPacket} from 'mysql2/promise';
import {freePorts} from '../../local/free-ports';
import {type SuiteEnv, suiteEnv} from '../support/suite-env';
import {countRows, logLines, pastHour} from './fixtures';
import {type ServedFunction, serveFunction} from './served-function';
import {printingErrors} from '../support/hooks';

let env: SuiteEnv;
let generate: ServedFunction;

test.before(
  printingErrors(async () => {
    env = await suiteEnv('fn-generate');
    generate = await serveFunction('httpGenerate', env.vars);
  }),
);

test.after(async () => {
  await generate?.stop();
  await env?.close();
});

async function batchesCount(): Promise<number> {
  const [rows] = await env.pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM generation_batches',
  );
  return Number(rows[0]?.n);
}

const json = {'content-type': 'application/json'};
const future = new Date(Date.now() + 3 * 3_600_000);
future.setUTCMinutes(0, 0, 0);

/**
 * `plainFramework400`: the Functions Framework's own JSON body parser rejects malformed JSON sent as
 * application/json with a 400 of its own (an HTML page) before the function runs; nothing is written.
 */
const BAD_INPUTS: Array<{
  name: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  plainFramework400?: boolean;
}> = [
  {name: 'negative count', body: '{"count":-5}'},
  {name: 'zero count', body: '{"count":0}'},
  {name: 'too large count', body: '{"count":10001}'},
  {name: 'huge count', body: '{"count":1e12}'},
  {name: 'fractional count', body: '{"count":2.5}'},
  {name: 'count as a string in JSON', body: '{"count":"12"}'},
  {name: 'non-numeric count in the query', path: '/?count=lots'},
  {name: 'negative count in the query', path: '/?count=-1'},
  {name: 'count given twice', path: '/?count=1&count=2'},
  {name: 'count in body and query', path: '/?count=3', body: '{"count":3}'},
  {name: 'unknown field', body: '{"count":5,"color":"red"}'},
  {name: 'unknown query parameter', path: '/?debug=1'},
  {name: 'body is an array', body: '[1,2]'},
  {
    name: 'body is not JSON',
    headers: {'content-type': 'text/plain'},
    body: 'count=5',
  },
  {name: 'invalid JSON', body: '{"count":', plainFramework400: true},
  {
    name: 'invalid JSON as text',
    headers: {'content-type': 'text/plain'},
    body: '{"count":',
  },
  {name: 'oversize body', body: `{"count":5${' '.repeat(5000)}}`},
  {name: 'hour not on the hour', body: '{"hour":"2026-01-01T09:30:00Z"}'},
  {name: 'hour not a time', body: '{"hour":"yesterday"}'},
  {
    name: 'hour in the future',
    body: JSON.stringify({hour: future.toISOString()}),
  },
  {
    name: 'idempotency key with bad characters',
    body: '{"idempotencyKey":"a b/c"}',
  },
  {
    name: 'idempotency key too long',
    headers: {'idempotency-key': 'k'.repeat(41)},
  },
  {
    name: 'bad schedule-time header',
    headers: {'x-cloudscheduler-scheduletime': 'soon'},
  },
  {name: 'June 31 in the body', body: '{"hour":"2026-06-31T05Z"}'},
  {name: 'February 30 in the query', path: '/?hour=2026-02-30T10Z'},
  {name: 'hour 24 in the body', body: '{"hour":"2026-10-10T24Z"}'},
  {
    name: 'June 31 in the schedule-time header',
    headers: {'x-cloudscheduler-scheduletime': '2026-06-31T05:00:00Z'},
  },
  {
    name: 'schedule-time header 3 h ahead',
    headers: {'x-cloudscheduler-scheduletime': future.toISOString()},
  },
  {
    name: 'schedule-time header in 2099',
    headers: {'x-cloudscheduler-scheduletime': '2099-06-01T10:00:00Z'},
  },
  {
    name: 'schedule-time header in 1899',
    headers: {'x-cloudscheduler-scheduletime': '1899-06-01T10:00:00Z'},
  },
  {name: 'GET', method: 'GET'},
  {name: 'PUT', method: 'PUT', body: '{"count":5}'},
  {name: 'DELETE', method: 'DELETE'},
];

test('every bad input gets 400 with a JSON reason, and nothing is written', async () => {
  for (const input of BAD_INPUTS) {
    const method = input.method ?? 'POST';
    const response = await fetch(`${generate.url}${input.path ?? '/'}`, {
      method,
      headers: {...(input.body !== undefined ? json : {}), ...input.headers},
      ...(input.body !== undefined ? {body: input.body} : {}),
    });
    const text = await response.text();
    assert.is(
      response.status,
      400,
      `${input.name}: got ${response.status} ${text}`,
    );
    if (input.plainFramework400) continue;
    let body: Record<string, unknown> = {};
    assert.not.throws(
      () => (body = JSON.parse(text)),
      `${input.name}: the answer is JSON (${text.slice(0, 80)})`,
    );
    assert.is(body.error, 'bad_request', input.name);
    assert.type(body.reason, 'string', input.name);
  }
  assert.is(await countRows(env.pool), 0, 'no transaction written');
  assert.is(await batchesCount(), 0, 'no batch written');
});

test('the scheduler header picks the hour before the schedule time; a retry of it creates no second batch', async () => {
  const scheduled = pastHour(5);
  const headers = {
    ...json,
    'x-cloudscheduler-scheduletime': new Date(
      scheduled.getTime() + 17_000,
    ).toISOString(),
  };
  const first = await fetch(`${generate.url}/`, {
    method: 'POST',
    headers,
    body: '{"count":40}',
  });
  const firstBody = (await first.json()) as Record<string, unknown>;
  assert.is(first.status, 200, JSON.stringify(firstBody));
  assert.is(
    firstBody.slotStart,
    new Date(scheduled.getTime() - 3_600_000).toISOString(),
  );
  const retry = await fetch(`${generate.url}/`, {
    method: 'POST',
    headers,
    body: '{"count":40}',
  });
  const retryBody = (await retry.json()) as Record<string, unknown>;
  assert.is(retry.status, 200);
  assert.is(retryBody.created, false);
  assert.is(retryBody.batchId, firstBody.batchId);
  assert.is(await countRows(env.pool), 40);
  assert.is(await batchesCount(), 1);
});

test('an idempotency key makes its own batch, once', async () => {
  const before = await countRows(env.pool);
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${generate.url}/?count=25`, {
      method: 'POST',
      headers: {'idempotency-key': 'backfill-run-7'},
    });
    const body = (await response.json()) as Record<string, unknown>;
    assert.is(response.status, 200);
    assert.is(body.batchId, 'key-backfill-run-7');
    assert.is(body.created, i === 0);
  }
  assert.is(await countRows(env.pool), before + 25);
});

test('publish failure -> 5xx with the batch committed; the retry re-publishes without duplicating rows', async () => {
  const topic = env.pubsub.topic(env.resources.pubsub.generatedTopic);
  await topic.delete();
  const before = await countRows(env.pool);
  const hour = pastHour(8).toISOString();
  const failed = await fetch(`${generate.url}/`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({count: 30, hour}),
  });
  const failedBody = (await failed.json()) as Record<string, unknown>;
  assert.ok(failed.status >= 500, `status ${failed.status}`);
  assert.is(failedBody.error, 'publish_failed');
  assert.is(await countRows(env.pool), before + 30, 'the batch is committed');

  await env.pubsub.createTopic(env.resources.pubsub.generatedTopic);
  const [subscription] = await env.pubsub
    .topic(env.resources.pubsub.generatedTopic)
    .createSubscription(`probe-${Date.now()}`);
  const retry = await fetch(`${generate.url}/`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({count: 30, hour}),
  });
  const retryBody = (await retry.json()) as Record<string, unknown>;
  assert.is(retry.status, 200, JSON.stringify(retryBody));
  assert.is(retryBody.created, false);
  assert.is(await countRows(env.pool), before + 30, 'no duplicate rows');

  const message = await new Promise<{attributes: Record<string, string>}>(
    (resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('no signal received')),
        20_000,
      );
      subscription.on('message', m => {
        clearTimeout(timer);
        m.ack();
        resolve(m);
      });
    },
  );
  await subscription.close();
  assert.is(message.attributes.batchId, failedBody.batchId);
  assert.is(message.attributes.rowCount, '30');
  assert.is(message.attributes.slotStart, hour);
});

test('database unreachable: 5xx with a JSON reason that names no user or host; the log has the error as Error Reporting reads it, under the trace', async () => {
  const [closedPort] = await freePorts(1);
  const down = await serveFunction('httpGenerate', {
    ...env.vars,
    MYSQL_PORT: String(closedPort),
    DB_CONNECT_TIMEOUT_MS: '500',
    DB_ACQUIRE_TIMEOUT_MS: '1000',
  });
  const trace = randomBytes(16).toString('hex');
  try {
    const response = await fetch(`${down.url}/`, {
      method: 'POST',
      headers: {...json, traceparent: `00-${trace}-00f067aa0ba902b7-01`},
      body: '{"count":5}',
    });
    const body = (await response.json()) as Record<string, unknown>;
    assert.is(response.status, 500);
    assert.is(body.error, 'internal');
    assert.not.match(JSON.stringify(body), env.vars.MYSQL_USER!);
    assert.not.match(JSON.stringify(body), String(closedPort));
    assert.not.match(down.log(), env.vars.MYSQL_PASSWORD!);
    const failure = logLines(down.log()).find(
      line => line.message === 'generation failed',
    );
    assert.ok(failure, `no failure logged:\n${down.log().slice(-2000)}`);
    assert.is(failure.severity, 'ERROR');
    assert.match(
      String(failure.stack_trace),
      /^\w*Error: cannot connect to the database[^\n]*\n {4}at /,
    );
    assert.equal(failure.serviceContext, {
      service: 'httpGenerate',
      version: (await import('../../package.json')).version,
    });
    assert.is(
      failure['logging.googleapis.com/trace'],
      `projects/${env.resources.project}/traces/${trace}`,
    );
    assert.is(failure['logging.googleapis.com/spanId'], '00f067aa0ba902b7');
    assert.is(failure['logging.googleapis.com/trace_sampled'], true);
  } finally {
    await down.stop();
  }
});

test("a request's log lines carry its trace, from traceparent or X-Cloud-Trace-Context, and no other request's", async () => {
  const traced = randomBytes(16).toString('hex');
  const generated = await fetch(`${generate.url}/`, {
    method: 'POST',
    headers: {...json, traceparent: `00-${traced}-b7ad6b7169203331-00`},
    body: JSON.stringify({count: 7, hour: pastHour(11).toISOString()}),
  });
  assert.is(generated.status, 200, await generated.text());
  const legacy = randomBytes(16).toString('hex');
  const bad = await fetch(`${generate.url}/?count=lots`, {
    method: 'POST',
    headers: {'x-cloud-trace-context': `${legacy}/12345;o=1`},
  });
  assert.is(bad.status, 400);
  const untraced = await fetch(`${generate.url}/?count=none`, {method: 'POST'});
  assert.is(untraced.status, 400);

  const lines = logLines(generate.log());
  const ofTrace = (id: string) =>
    lines.filter(
      line =>
        line['logging.googleapis.com/trace'] ===
        `projects/${env.resources.project}/traces/${id}`,
    );
  const generation = ofTrace(traced);
  assert.ok(
    generation.some(line => line.message === 'batch committed'),
    `no traced 'batch committed':\n${generate.log().slice(-2000)}`,
  );
  for (const line of generation) {
    assert.is(line['logging.googleapis.com/spanId'], 'b7ad6b7169203331');
    assert.is(line['logging.googleapis.com/trace_sampled'], false);
  }
  const rejected = ofTrace(legacy);
  assert.equal(
    rejected.map(line => line.message),
    ['bad request'],
  );
  assert.is(rejected[0]!['logging.googleapis.com/spanId'], '0000000000003039');
  assert.is(rejected[0]!['logging.googleapis.com/trace_sampled'], true);
  const last = lines.filter(line => line.message === 'bad request').at(-1)!;
  assert.is(
    last['logging.googleapis.com/trace'],
    undefined,
    'a request without a trace header logs no trace',
  );
});

test.run();
