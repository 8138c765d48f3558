/**
 * A function of this repo served by the real Functions Framework CLI in a child process, the way
 * Cloud Run serves it: `functions-framework --target=NAME --signature-type=... --port=N`, either from
 * the TypeScript source (loaded through tsx) or from its bundle in dist/<name>/ (what deploys).
 * (The CLI has no host flag: it listens on all interfaces.)
 */
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {freePorts, isPortOpen} from './free-ports';
import {
  spawnService,
  stopService,
  type ServiceProcess,
} from './service-process';
import {waitUntil} from './wait-until';

const root = join(__dirname, '..');
// The child runs in its own directory, so tsx is named by path, not resolved as a package.
const tsx = pathToFileURL(
  join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs'),
).href;
/** The Functions Framework's CLI, as node runs it (its bin script is this file). */
export const FUNCTIONS_FRAMEWORK_CLI = join(
  root,
  'node_modules',
  '@google-cloud',
  'functions-framework',
  'build',
  'src',
  'main.js',
);

export type FunctionName =
  'httpGenerate' | 'pubsubReplicate' | 'bigtableToAvro';

const SIGNATURE: Record<FunctionName, string> = {
  httpGenerate: 'http',
  pubsubReplicate: 'cloudevent',
  bigtableToAvro: 'cloudevent',
};

export interface ServedFunction {
  url: string;
  port: number;
  process: ServiceProcess;
  /** Everything the function logged so far. */
  log(): string;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Serve dist/<name>/ (the esbuild output that deploys) instead of the TypeScript source. */
  bundle?: boolean;
  /** Serve on this port (a restart keeps its address); a free one otherwise. */
  port?: number;
  /** Where its log goes (kept after stop); a temp directory removed on stop otherwise. */
  dir?: string;
  /** The log file's name inside `dir` (default: the function's name). */
  logName?: string;
}

export async function serveFunction(
  name: FunctionName,
  env: Record<string, string>,
  options: ServeOptions = {},
): Promise<ServedFunction> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `served-${name}-`));
  mkdirSync(dir, {recursive: true});
  const port = options.port ?? (await freePorts(1))[0]!;
  const source = options.bundle
    ? join(root, 'dist', name)
    : join(root, 'functions', name, 'index.ts');
  const loader = options.bundle ? [] : ['--import', tsx];
  const args = [
    ...loader,
    FUNCTIONS_FRAMEWORK_CLI,
    `--target=${name}`,
    `--signature-type=${SIGNATURE[name]}`,
    `--source=${source}`,
    `--port=${port}`,
  ];
  const child = spawnService(options.logName ?? name, process.execPath, args, {
    dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'info',
      ...env,
      NODE_ENV: 'production',
    },
  });
  const stop = async () => {
    await stopService(child);
    if (ownsDir) rmSync(dir, {recursive: true, force: true});
  };
  try {
    await waitUntil(child, 'an open port', () => isPortOpen(port), {
      timeoutMs: 30_000,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    log: () => child.logTail(10_000),
    stop,
  };
}
