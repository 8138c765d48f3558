import {create as createDomain} from 'node:domain';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {ConfigError, readConfig} from '../../core/config';
import {functionEntry, readFunctionProject} from '../../core/function-entry';

const readPort = (env: Readonly<Record<string, string | undefined>>) =>
  readConfig(env, read => ({
    project: 'entry-test',
    port: read.integer('PORT', {min: 1, max: 65535}),
  }));

test('the config is read when the entry loads; the runtime module only on the first call, then shared', async () => {
  let loads = 0;
  let builds = 0;
  const entry = functionEntry({
    name: 'entryTest',
    readConfig: readPort,
    env: {PORT: '8080'},
    dir: __dirname,
    loadRuntime: () => {
      loads++;
      return {
        buildRuntime: async (config: {project: string; port: number}, log) => {
          builds++;
          log.debug('building');
          return {port: config.port};
        },
      };
    },
  });
  assert.equal(entry.config, {project: 'entry-test', port: 8080});
  assert.is(loads, 0, 'nothing of the runtime before a request needs it');
  const [a, b] = await Promise.all([entry.runtime(), entry.runtime()]);
  assert.is(a, b);
  assert.is(await entry.runtime(), a);
  assert.equal(a, {port: 8080});
  assert.is(builds, 1);
});

test("a request's work runs outside the framework's per-request domain, and its errors still reach the framework", async () => {
  const entry = functionEntry({
    name: 'entryTest',
    readConfig: readPort,
    env: {PORT: '8080'},
    dir: __dirname,
    loadRuntime: () => assert.unreachable('runtime loaded') as never,
  });
  const domainOf = () => (process as {domain?: unknown}).domain;
  // As functions-framework's wrapHttpFunction calls a function: inside a domain with an error handler.
  const inFrameworkDomain = <T>(call: () => Promise<T>) => {
    const domain = createDomain();
    domain.on('error', error => assert.unreachable(String(error)));
    return new Promise<{inside: unknown; result: Promise<T>}>(resolve =>
      domain.run(() =>
        process.nextTick(() => resolve({inside: domainOf(), result: call()})),
      ),
    );
  };
  const ok = await inFrameworkDomain(() =>
    entry.inRequest({}, async () => {
      await null;
      return domainOf();
    }),
  );
  assert.ok(ok.inside, 'the call starts inside the domain');
  assert.is(await ok.result, undefined, 'the work ran in no domain');
  const failed = await inFrameworkDomain(() =>
    entry.inRequest({}, async () => {
      await null;
      throw new Error('replication failed');
    }),
  );
  try {
    await failed.result;
    assert.unreachable('the failure was swallowed');
  } catch (error) {
    assert.match((error as Error).message, 'replication failed');
  }
});

test('a bad variable stops the entry at load, naming the variable', () => {
  assert.throws(
    () =>
      functionEntry({
        name: 'entryTest',
        readConfig: readPort,
        env: {PORT: 'eighty'},
        dir: __dirname,
        loadRuntime: () => assert.unreachable('runtime loaded') as never,
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /PORT must be an integer/.test(error.message),
  );
});

test('the project: required, checked, and every other problem reported with it', () => {
  const ok = readConfig({GOOGLE_CLOUD_PROJECT: 'my-project'}, read =>
    readFunctionProject(read),
  );
  assert.is(ok.project, 'my-project');
  assert.is(ok.resources.project, 'my-project');
  try {
    readConfig({GOOGLE_CLOUD_PROJECT: 'Bad_Project', PORT: 'x'}, read => [
      readFunctionProject(read),
      read.integer('PORT', {min: 1, max: 2}),
    ]);
    assert.unreachable('a bad project was accepted');
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.match(
      (error as Error).message,
      /GOOGLE_CLOUD_PROJECT must be a Google Cloud project id, got "Bad_Project"/,
    );
    assert.match((error as Error).message, /PORT must be an integer/);
  }
});

test.run();
