import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'node:path';
import {
  BlockingCallError,
  BlockingClient,
  ServiceThreadDeadError,
  closeSharedBlockingClients,
  sharedBlockingClient,
} from '../../flex-template/blocking-client';
import type {FixtureService} from './blocking-service-fixture';
import {
  IO_THREAD_OLD_GENERATION_MB,
  IO_THREAD_YOUNG_GENERATION_MB,
} from '../../flex-template/io-thread';

const fixture = path.join(__dirname, 'blocking-service-fixture.ts');
const open = (greeting: string, timeoutMs?: number) =>
  new BlockingClient<FixtureService>(fixture, {greeting}, {timeoutMs});

test('a synchronous call returns the async result', () => {
  const client = open('hello');
  try {
    assert.is(client.service.greet('beam'), 'hello, beam');
    assert.is(client.service.greet('node'), 'hello, node');
    assert.is(client.service.count(), 2);
  } finally {
    client.close();
  }
});

test('values cross the thread boundary by structured clone (bigint, nested, bytes)', () => {
  const client = open('x');
  try {
    const value = {
      n: 12345678901234567890n,
      list: [1, 'a', null],
      bytes: new Uint8Array([1, 2, 3]),
    };
    assert.equal(client.service.echo(value), value);
  } finally {
    client.close();
  }
});

test('buffers handed over move to the other thread instead of being copied, both ways', () => {
  const client = open('x');
  try {
    const given = new Uint8Array(1 << 20).fill(3);
    assert.equal(client.transferring([given.buffer]).weigh(given), {
      length: 1 << 20,
      sum: 3 << 20,
    });
    assert.is(given.buffer.byteLength, 0, 'detached here once handed over');
    const copied = new Uint8Array(8).fill(1);
    assert.equal(client.service.weigh(copied), {length: 8, sum: 8});
    assert.is(copied.byteLength, 8, 'a plain call copies');

    const {bytes} = client.service.bytesOf(1 << 20, 5);
    assert.is(bytes.length, 1 << 20);
    assert.is(bytes[0], 5);
    assert.is(bytes[(1 << 20) - 1], 5);
  } finally {
    client.close();
  }
});

test('send starts a call without waiting; the next call is answered after it, its reply or failure passed over', () => {
  const client = open('warm');
  try {
    const started = performance.now();
    client.send('sleep', 200);
    client.send('fail', 'E_WARM');
    client.send('greet', 'first');
    assert.is(client.service.count(), 1, 'answered after what was sent');
    assert.ok(performance.now() - started >= 200, 'after the sleep sent first');
    assert.is(client.service.greet('next'), 'warm, next');
  } finally {
    client.close();
  }
});

test('a rejected promise becomes a thrown BlockingCallError with its code', () => {
  const client = open('x');
  try {
    try {
      client.service.fail('E_TEST');
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, BlockingCallError);
      assert.is((err as BlockingCallError).code, 'E_TEST');
      assert.match((err as Error).message, /fail: it failed/);
    }
    assert.is(
      client.service.greet('again'),
      'x, again',
      'the client still works after a failure',
    );
    const untyped = client.service as unknown as Record<string, () => unknown>;
    assert.throws(() => untyped.nope!(), /no method nope/);
  } finally {
    client.close();
  }
});

test('a call that outlives its timeout fails instead of hanging, and later calls still match replies', () => {
  const client = open('x', 50);
  try {
    assert.throws(() => client.service.sleep(300), /no reply within 50 ms/);
    const started = Date.now();
    // The late reply to the timed-out call must not be taken for this one.
    assert.throws(() => client.service.sleep(10), /no reply/); // still queued behind the 300 ms sleep
    assert.ok(Date.now() - started < 1000);
  } finally {
    client.close();
  }
});

test('waiting after a late reply sleeps instead of spinning a core', () => {
  const client = open('x', 1000);
  try {
    // The thread's start (loading tsx) can take longer than the timeout on a busy machine.
    for (let i = 0; ; i++) {
      try {
        if (client.service.echo('ready') === 'ready') break;
      } catch (err) {
        if (i === 30) throw err;
      }
    }
    assert.throws(() => client.service.sleep(1500), /no reply within 1000 ms/);
    // This call waits 1000 ms; 500 ms into it the late reply of the first call arrives.
    const cpu = process.cpuUsage();
    const started = Date.now();
    assert.throws(() => client.service.sleep(1000), /no reply within 1000 ms/);
    const wallMs = Date.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    assert.ok(
      cpuMs < wallMs * 0.2,
      `the wait used ${cpuMs.toFixed(0)} ms of CPU in ${wallMs} ms`,
    );
  } finally {
    client.close();
  }
});

test('a dead service thread fails the waiting call at once with its cause, and every later call', () => {
  const client = open('x', 60_000);
  try {
    const started = Date.now();
    assert.throws(
      () =>
        client.service.crash('socket hang up in a stream nobody listened to'),
      (err: unknown) =>
        err instanceof ServiceThreadDeadError &&
        err.code === 'FLEX_IO_THREAD_DEAD' &&
        /socket hang up in a stream/.test(err.message),
    );
    assert.ok(Date.now() - started < 30_000, 'not the 60 s timeout');
    assert.throws(
      () => client.service.greet('later'),
      /greet: the I\/O thread died: socket hang up/,
    );
    assert.ok(client.dead);
  } finally {
    client.close();
  }
});

test("the thread's heap limits are the client's: a young generation that keeps surviving stays within them", () => {
  const capped = new BlockingClient<FixtureService>(
    fixture,
    {greeting: 'x'},
    {
      resourceLimits: {
        maxYoungGenerationSizeMb: IO_THREAD_YOUNG_GENERATION_MB,
        maxOldGenerationSizeMb: IO_THREAD_OLD_GENERATION_MB,
      },
    },
  );
  const own = open('x');
  try {
    const cappedMb = capped.service.newSpaceMb();
    const ownMb = own.service.newSpaceMb();
    assert.ok(
      cappedMb <= IO_THREAD_YOUNG_GENERATION_MB,
      `new space ${cappedMb} MB, limit ${IO_THREAD_YOUNG_GENERATION_MB} MB`,
    );
    assert.ok(ownMb > cappedMb, `V8's own sizing: ${ownMb} MB`);
    const limitMb = capped.service.heapLimitMb();
    assert.ok(
      limitMb > IO_THREAD_OLD_GENERATION_MB &&
        limitMb < IO_THREAD_OLD_GENERATION_MB + 64,
      `heap limit ${limitMb} MB`,
    );
  } finally {
    capped.close();
    own.close();
  }
});

test('a missing service module fails the call with a message naming it', () => {
  const client = new BlockingClient(
    '/nonexistent/service.ts',
    {},
    {timeoutMs: 10_000},
  );
  try {
    assert.throws(
      () => (client.service as Record<string, () => unknown>).anything!(),
      /nonexistent/,
    );
  } finally {
    client.close();
  }
});

test('a thread module that is not there fails at once, naming the file', () => {
  // What a bundle without the thread's file did: every call waited out its whole timeout.
  const started = Date.now();
  assert.throws(
    () =>
      new BlockingClient(
        '/nonexistent/service.ts',
        {},
        {
          timeoutMs: 60_000,
          threadModule: '/nonexistent/blocking-service-thread.js',
        },
      ),
    (err: unknown) =>
      err instanceof BlockingCallError &&
      err.code === 'FLEX_IO_THREAD_DEAD' &&
      /\/nonexistent\/blocking-service-thread\.js does not exist/.test(
        err.message,
      ),
  );
  assert.ok(Date.now() - started < 30_000, 'not the 60 s timeout');
});

test('shared clients are reused per (module, init), and replaced once their thread died', () => {
  const a = sharedBlockingClient<FixtureService>(fixture, {greeting: 'a'});
  const b = sharedBlockingClient<FixtureService>(fixture, {greeting: 'a'});
  const c = sharedBlockingClient<FixtureService>(fixture, {greeting: 'c'});
  assert.is(a, b);
  assert.is.not(a, c);
  assert.is(c.service.greet('z'), 'c, z');
  assert.throws(() => a.service.crash('gone'), /gone/);
  const fresh = sharedBlockingClient<FixtureService>(fixture, {greeting: 'a'});
  assert.is.not(fresh, a);
  assert.is(fresh.service.greet('y'), 'a, y');
  closeSharedBlockingClients();
});

test.run();
