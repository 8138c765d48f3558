/**
 * The scaffold every Cloud Function entry shares: its configuration is read from the environment
 * once, when the instance loads (a bad variable stops it at start, naming the variable); its
 * logger; and its runtime (pool, clients, ...), built by the first request from a module the
 * entry requires only then, and shared by every later request.
 *
 * The runtime module is a separate bundle (esbuild.config.mjs keeps `./runtime` external to the
 * entry), so a cold start compiles only the small entry. The entry passes the plain
 * `require('./runtime')` itself: the path is relative to the function's own folder.
 */
import type { EnvReader, Env } from './config';
import { lazyInstance } from './lazy-instance';
import { createLogger, type Logger } from './log';
import { defaultResources, type Resources } from './resources';

/** What a function's `runtime.ts` exports. */
export interface RuntimeModule<Config, Runtime> {
  buildRuntime(config: Config, log: Logger): Promise<Runtime>;
}

export interface FunctionEntry<Config, Runtime> {
  config: Config;
  log: Logger;
  /** The runtime: built on the first call, shared after it; a failed build is tried again. */
  runtime: () => Promise<Runtime>;
}

export function functionEntry<Config, Runtime>(spec: {
  /** The function's name: its log component. */
  name: string;
  readConfig: (env: Env) => Config;
  loadRuntime: () => RuntimeModule<Config, Runtime>;
  env?: Env;
}): FunctionEntry<Config, Runtime> {
  const config = spec.readConfig(spec.env ?? process.env);
  const log = createLogger(spec.name);
  const runtime = lazyInstance(() => spec.loadRuntime().buildRuntime(config, log));
  return { config, log, runtime };
}

const PROJECT_ID = /^[a-z][a-z0-9-]{4,61}[a-z0-9]$/;

/**
 * The project every function needs (`GOOGLE_CLOUD_PROJECT`), and the default resource names in
 * it. With the project missing or bad, the problem is recorded and placeholder names are given,
 * so the rest of the configuration is still checked and reported at once.
 */
export function readFunctionProject(read: EnvReader): { project: string; resources: Resources } {
  const project = read.string('GOOGLE_CLOUD_PROJECT', { pattern: PROJECT_ID, description: 'a Google Cloud project id' });
  return { project, resources: defaultResources(project || 'placeholder-project') };
}
