import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  CachedSecrets,
  InMemorySecrets,
  SecretError,
  type SecretSource,
  SecretManagerSecrets,
  secretValueOrCreate,
} from '../../core/secrets';

test('in-memory secrets answer what they hold and name what they lack', async () => {
  const secrets = new InMemorySecrets({a: '1'});
  assert.is(await secrets.read('a'), '1');
  await secrets.read('b').then(
    () => assert.unreachable(),
    error => {
      assert.instance(error, SecretError);
      assert.is((error as SecretError).secret, 'b');
    },
  );
});

test('cached secrets read each secret once, and retry a failed read', async () => {
  let calls = 0;
  let fail = true;
  const flaky: SecretSource = {
    read: async name => {
      calls++;
      if (fail) throw new SecretError(name, 'temporarily unavailable');
      return `value-of-${name}`;
    },
  };
  const cached = new CachedSecrets(flaky);
  await cached.read('x').catch(() => undefined);
  fail = false;
  assert.is(await cached.read('x'), 'value-of-x');
  assert.is(await cached.read('x'), 'value-of-x');
  assert.is(calls, 2);
});

test('Secret Manager refuses an invalid secret id before any call', async () => {
  const source = new SecretManagerSecrets('some-project');
  await source.read('../etc/passwd').then(
    () => assert.unreachable(),
    error => assert.instance(error, SecretError),
  );
});

test('secretValueOrCreate stores a new value first, and a rerun gets the same value back', async () => {
  const secrets = new InMemorySecrets({});
  let made = 0;
  const create = () => `generated-${++made}`;
  const first = await secretValueOrCreate(
    secrets,
    'fin_serv_generate_db_password',
    create,
  );
  assert.is(first, 'generated-1');
  // A run that failed after the secret (say, before the SQL user) runs again: same password.
  assert.is(
    await secretValueOrCreate(secrets, 'fin_serv_generate_db_password', create),
    'generated-1',
  );
  assert.is(made, 1);
  assert.is(
    await secretValueOrCreate(new InMemorySecrets({s: 'kept'}), 's', create),
    'kept',
  );
});

test.run();
