/**
 * cold-start: time from process start to the first answered request, for each bundled function
 * (dist/<name>/index.js, built by `npm run build`) served by the Functions Framework CLI, against a
 * bare Functions Framework hello-world in the same run. The first request is one each function
 * answers without any backend (httpGenerate: a GET -> 400; pubsubReplicate: a malformed event ->
 * acknowledged), so the figure is start-up work only: module loading, config parsing, the framework.
 * Ends with `bench cold-start: <slower function> ms; baseline <hello> ms; ratio R`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../local/free-ports';

const root = join(__dirname, '..');
const cli = join(root, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

interface Target {
  name: string;
  source: string;
  signature: 'http' | 'cloudevent';
  request: (url: string) => Promise<Response>;
}

const env = {
  PATH: process.env.PATH ?? '',
  GOOGLE_CLOUD_PROJECT: 'bench-project',
  MYSQL_HOST: '127.0.0.1',
  MYSQL_PORT: '9',
  MYSQL_USER: 'nobody',
  METADATA_SERVER_DETECTION: 'none',
  LOG_LEVEL: 'warn',
  NODE_ENV: 'production',
};

async function timeToFirstAnswer(target: Target): Promise<number> {
  const [port] = await freePorts(1);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [cli, `--target=${target.name}`, `--signature-type=${target.signature}`, `--source=${target.source}`, `--port=${port}`],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${target.name} exited: ${stderr}`);
      try {
        const response = await target.request(`http://127.0.0.1:${port}`);
        await response.arrayBuffer();
        if (response.status >= 500) throw new Error(`${target.name} answered ${response.status}`);
        return performance.now() - started;
      } catch (error) {
        if ((error as Error).message.includes('answered')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (performance.now() - started > 30_000) throw new Error(`${target.name}: no answer within 30 s`);
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  for (const name of ['httpGenerate', 'pubsubReplicate']) {
    if (!existsSync(join(root, 'dist', name, 'index.js'))) throw new Error(`dist/${name}/index.js is missing: run \`npm run build\` first`);
  }
  // The hello-world lives under dist/ so that it resolves the framework from this repo's node_modules.
  const helloDir = join(root, 'dist', '.bench-hello');
  mkdirSync(helloDir, { recursive: true });
  writeFileSync(join(helloDir, 'index.js'), "require('@google-cloud/functions-framework').http('hello', (req, res) => res.send('hello'));\n");
  const malformed = { message: { data: Buffer.from('not json').toString('base64'), messageId: '1' }, subscription: 's' };
  const targets: Target[] = [
    { name: 'hello', source: helloDir, signature: 'http', request: (url) => fetch(url) },
    { name: 'httpGenerate', source: join(root, 'dist', 'httpGenerate'), signature: 'http', request: (url) => fetch(url) },
    {
      name: 'pubsubReplicate',
      source: join(root, 'dist', 'pubsubReplicate'),
      signature: 'cloudevent',
      request: (url) =>
        fetch(`${url}/projects/bench-project/topics/transactions-generated`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(malformed),
        }),
    },
  ];
  const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  try {
    await timeToFirstAnswer(targets[0]!); // warm the file cache, not counted
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, so drift in machine load hits every target alike.
      for (const target of targets) samples.get(target.name)!.push(await timeToFirstAnswer(target));
    }
  } finally {
    rmSync(helloDir, { recursive: true, force: true });
  }
  const hello = median(samples.get('hello')!);
  let worst = { name: '', ms: 0 };
  for (const target of targets) {
    const ms = median(samples.get(target.name)!);
    console.log(`${target.name.padEnd(16)} median ${ms.toFixed(0)} ms over ${ROUNDS} starts (${samples.get(target.name)!.map((v) => v.toFixed(0)).join(', ')}); ratio ${(ms / hello).toFixed(2)}`);
    if (target.name !== 'hello' && ms > worst.ms) worst = { name: target.name, ms };
  }
  console.log(`bench cold-start: ${worst.ms.toFixed(0)} ms; baseline ${hello.toFixed(0)} ms; ratio ${(worst.ms / hello).toFixed(2)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
