/**
 * A function of this repo served by the real Functions Framework CLI in a child process, the way
 * Cloud Run serves it: `functions-framework --target=NAME --signature-type=... --port=N`, with the
 * TypeScript source loaded through tsx. (The CLI has no host flag: it listens on all interfaces.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePorts, isPortOpen } from '../../local/free-ports';
import { spawnService, stopService, type ServiceProcess } from '../../local/service-process';
import { waitUntil } from '../../local/wait-until';

const root = join(__dirname, '..', '..');
// The child runs in its own temp dir, so tsx is named by path, not resolved as a package.
const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const cli = join(root, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');

export type FunctionName = 'httpGenerate' | 'pubsubReplicate' | 'bigtableToAvro';

const SIGNATURE: Record<FunctionName, string> = { httpGenerate: 'http', pubsubReplicate: 'cloudevent', bigtableToAvro: 'cloudevent' };

export interface ServedFunction {
  url: string;
  port: number;
  process: ServiceProcess;
  /** Everything the function logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** `bundle`: serve dist/<name>/ (the esbuild output that deploys) instead of the TypeScript source. */
export async function serveFunction(name: FunctionName, env: Record<string, string>, options: { bundle?: boolean } = {}): Promise<ServedFunction> {
  const dir = mkdtempSync(join(tmpdir(), `served-${name}-`));
  const [port] = await freePorts(1);
  const source = options.bundle ? join(root, 'dist', name) : join(root, 'functions', name, 'index.ts');
  const loader = options.bundle ? [] : ['--import', tsx];
  const args = [...loader, cli, `--target=${name}`, `--signature-type=${SIGNATURE[name]}`, `--source=${source}`, `--port=${port}`];
  const child = spawnService(name, process.execPath, args, {
    dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env, NODE_ENV: 'production' },
  });
  const stop = async () => {
    await stopService(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(child, 'an open port', () => isPortOpen(port!), { timeoutMs: 30_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, port: port!, process: child, log: () => child.logTail(10_000), stop };
}
