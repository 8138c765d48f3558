/**
 * The scaffold every Cloud Function entry shares: its configuration is read from the environment
 * once, when the instance loads (a bad variable stops it at start, naming the variable); its
 * logger; and its runtime (pool, clients, ...), built by the first request from a module the
 * entry requires only then, and shared by every later request.
 *
 * The runtime module is a separate bundle (esbuild.config.mjs keeps `./runtime` external to the
 * entry), so a cold start compiles only the small entry. Where that bundle sits beside the entry
 * (dist/<name>/runtime.js), it is loaded with the V8 code cache the build wrote for it
 * (./code-cache); from the sources (tests under tsx) the entry's own plain `require('./runtime')`
 * is used: that path is relative to the function's own folder.
 */
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {loadWithCodeCache} from './code-cache';
import type {EnvReader, Env} from './config';
import {lazyInstance} from './lazy-instance';
import {createLogger, type Logger, withRequestLogFields} from './log';
import {defaultResources, type Resources} from './resources';
import {
  type TraceHeaders,
  traceFromHeaders,
  traceLogFields,
} from './trace-context';

/** What a function's `runtime.ts` exports. */
export interface RuntimeModule<Config, Runtime> {
  buildRuntime(config: Config, log: Logger): Promise<Runtime>;
}

export interface FunctionEntry<Config, Runtime> {
  config: Config;
  log: Logger;
  /** The runtime: built on the first call, shared after it; a failed build is tried again. */
  runtime: () => Promise<Runtime>;
  /**
   * Serves one request: everything logged while `handle` runs carries the request's trace (from
   * its `traceparent` or `X-Cloud-Trace-Context` header), so Cloud Logging groups it under the trace;
   * `handle` runs outside the framework's per-request domain (see `leaveRequestDomain`).
   */
  inRequest<T>(headers: TraceHeaders, handle: () => Promise<T>): Promise<T>;
}

export function functionEntry<Config extends {project: string}, Runtime>(spec: {
  /** The function's name: its log component. */
  name: string;
  readConfig: (env: Env) => Config;
  /** The entry's folder (`__dirname`): where its bundled runtime.js would be. */
  dir: string;
  /** The runtime from the sources, when there is no bundle beside the entry. */
  loadRuntime: () => RuntimeModule<Config, Runtime>;
  env?: Env;
}): FunctionEntry<Config, Runtime> {
  const config = spec.readConfig(spec.env ?? process.env);
  const log = createLogger(spec.name);
  const load = (): RuntimeModule<Config, Runtime> => {
    const bundle = join(spec.dir, 'runtime.js');
    if (!existsSync(bundle)) return spec.loadRuntime();
    const {exports, cache} = loadWithCodeCache(bundle);
    if (cache !== 'used')
      log.warn(
        {bundle, cache},
        'runtime bundle compiled from source: its code cache is missing or was built for another Node',
      );
    return exports as RuntimeModule<Config, Runtime>;
  };
  const runtime = lazyInstance(() => load().buildRuntime(config, log));
  const inRequest = <T>(
    headers: TraceHeaders,
    handle: () => Promise<T>,
  ): Promise<T> => {
    const trace = traceFromHeaders(headers);
    leaveRequestDomain();
    return withRequestLogFields(
      trace && traceLogFields(trace, config.project),
      handle,
    );
  };
  return {config, log, runtime, inRequest};
}

/**
 * The Functions Framework runs every request inside a `domain` (node:domain), only to turn an error
 * thrown outside the request's promise chain into a 500. While a domain is active, every promise,
 * tick and stream callback enters and leaves it, and each entry swaps the process's
 * uncaught-exception capture: 230 ms of the profiled CPU of bigtableToAvro's first request, 200
 * rows (bench/README.md, cold-start). The work leaves the domain: its errors still reject the
 * promise the framework awaits (a 500, or a redelivered event); one thrown outside any promise
 * chain reaches the framework's `uncaughtException` handler, which answers 500 and ends the
 * instance, as it does for one thrown outside a request. A no-op where no domain is active.
 */
function leaveRequestDomain(): void {
  (process as {domain?: {exit(): void}}).domain?.exit();
}

const PROJECT_ID = /^[a-z][a-z0-9-]{4,61}[a-z0-9]$/;

/**
 * The project every function needs (`GOOGLE_CLOUD_PROJECT`), and the default resource names in
 * it. With the project missing or bad, the problem is recorded and placeholder names are given,
 * so the rest of the configuration is still checked and reported at once.
 */
export function readFunctionProject(read: EnvReader): {
  project: string;
  resources: Resources;
} {
  const project = read.string('GOOGLE_CLOUD_PROJECT', {
    pattern: PROJECT_ID,
    description: 'a Google Cloud project id',
  });
  return {
    project,
    resources: defaultResources(project || 'placeholder-project'),
  };
}
