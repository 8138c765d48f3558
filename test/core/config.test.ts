import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {ConfigError, readConfig, type Env} from '../../core/config';

function sample(env: Env) {
  return readConfig(env, read => ({
    project: read.string('GOOGLE_CLOUD_PROJECT', {
      pattern: /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
      description: 'a project id',
    }),
    port: read.integer('MYSQL_PORT', {min: 1, max: 65535, default: 3306}),
    mode: read.oneOf(
      'DB_IP_TYPE',
      ['PUBLIC', 'PRIVATE', 'PSC'] as const,
      'PUBLIC',
    ),
    iam: read.boolean('DB_IAM_AUTH', false),
  }));
}

function problemsOf(env: Env): string[] {
  try {
    sample(env);
  } catch (error) {
    assert.instance(error, ConfigError);
    return (error as ConfigError).problems.map(p => p.variable);
  }
  throw new Error('expected a ConfigError');
}

test('valid config with defaults', () => {
  assert.equal(sample({GOOGLE_CLOUD_PROJECT: 'my-project'}), {
    project: 'my-project',
    port: 3306,
    mode: 'PUBLIC',
    iam: false,
  });
  assert.equal(
    sample({
      GOOGLE_CLOUD_PROJECT: 'my-project',
      MYSQL_PORT: '3307',
      DB_IP_TYPE: 'PSC',
      DB_IAM_AUTH: 'true',
    }),
    {
      project: 'my-project',
      port: 3307,
      mode: 'PSC',
      iam: true,
    },
  );
});

test('each bad value is named in the error', () => {
  assert.equal(problemsOf({}), ['GOOGLE_CLOUD_PROJECT']);
  assert.equal(problemsOf({GOOGLE_CLOUD_PROJECT: 'Bad_Project'}), [
    'GOOGLE_CLOUD_PROJECT',
  ]);
  assert.equal(
    problemsOf({GOOGLE_CLOUD_PROJECT: 'my-project', MYSQL_PORT: 'abc'}),
    ['MYSQL_PORT'],
  );
  assert.equal(
    problemsOf({GOOGLE_CLOUD_PROJECT: 'my-project', MYSQL_PORT: '70000'}),
    ['MYSQL_PORT'],
  );
  assert.equal(
    problemsOf({GOOGLE_CLOUD_PROJECT: 'my-project', DB_IP_TYPE: 'public'}),
    ['DB_IP_TYPE'],
  );
  assert.equal(
    problemsOf({GOOGLE_CLOUD_PROJECT: 'my-project', DB_IAM_AUTH: 'yes'}),
    ['DB_IAM_AUTH'],
  );
});

test('every bad variable is reported at once, with its value', () => {
  try {
    sample({MYSQL_PORT: '0', DB_IP_TYPE: 'x'});
    assert.unreachable();
  } catch (error) {
    assert.instance(error, ConfigError);
    const message = (error as Error).message;
    assert.match(message, 'GOOGLE_CLOUD_PROJECT is required');
    assert.match(message, 'MYSQL_PORT must be between 1 and 65535, got 0');
    assert.match(
      message,
      'DB_IP_TYPE must be one of PUBLIC, PRIVATE, PSC, got "x"',
    );
  }
});

test.run();
