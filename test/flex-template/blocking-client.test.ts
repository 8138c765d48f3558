import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'node:path';
import { BlockingCallError, BlockingClient, sharedBlockingClient, closeSharedBlockingClients } from '../../flex-template/blocking-client';

const fixture = path.join(__dirname, 'blocking-service-fixture.ts');

test('a synchronous call returns the async result', () => {
  const client = new BlockingClient(fixture, { greeting: 'hello' });
  try {
    assert.is(client.call<string>('greet', 'beam'), 'hello, beam');
    assert.is(client.call<string>('greet', 'node'), 'hello, node');
    assert.is(client.call<number>('count'), 2);
  } finally {
    client.close();
  }
});

test('values cross the thread boundary by structured clone (bigint, nested, bytes)', () => {
  const client = new BlockingClient(fixture, { greeting: 'x' });
  try {
    const value = { n: 12345678901234567890n, list: [1, 'a', null], bytes: new Uint8Array([1, 2, 3]) };
    assert.equal(client.call('echo', value), value);
  } finally {
    client.close();
  }
});

test('a rejected promise becomes a thrown BlockingCallError with its code', () => {
  const client = new BlockingClient(fixture, { greeting: 'x' });
  try {
    try {
      client.call('fail', 'E_TEST');
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, BlockingCallError);
      assert.is((err as BlockingCallError).code, 'E_TEST');
      assert.match((err as Error).message, /fail: it failed/);
    }
    assert.is(client.call<string>('greet', 'again'), 'x, again', 'the client still works after a failure');
    assert.throws(() => client.call('nope'), /no method nope/);
  } finally {
    client.close();
  }
});

test('a call that outlives its timeout fails instead of hanging, and later calls still match replies', () => {
  const client = new BlockingClient(fixture, { greeting: 'x' }, { timeoutMs: 50 });
  try {
    assert.throws(() => client.call('sleep', 300), /no reply within 50 ms/);
    const started = Date.now();
    // The late reply to the timed-out call must not be taken for this one.
    assert.throws(() => client.call('sleep', 10), /no reply/); // still queued behind the 300 ms sleep
    assert.ok(Date.now() - started < 1000);
  } finally {
    client.close();
  }
});

test('a missing service module fails the call with a message naming it', () => {
  const client = new BlockingClient('/nonexistent/service.ts', {}, { timeoutMs: 10_000 });
  try {
    assert.throws(() => client.call('anything'), /nonexistent/);
  } finally {
    client.close();
  }
});

test('shared clients are reused per (module, init)', () => {
  const a = sharedBlockingClient(fixture, { greeting: 'a' });
  const b = sharedBlockingClient(fixture, { greeting: 'a' });
  const c = sharedBlockingClient(fixture, { greeting: 'c' });
  assert.is(a, b);
  assert.is.not(a, c);
  assert.is(c.call<string>('greet', 'z'), 'c, z');
  closeSharedBlockingClients();
});

test.run();
