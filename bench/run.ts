/**
 * `npm run bench [-- NAME ...]`: runs each benchmark file `bench/<file>.ts` in its own Node process.
 * A NAME is a file name (`replicate`) or a benchmark inside a file (`daily-summary-memory` runs
 * `daily-summary.ts` with that name as argument). Each benchmark prints its figure and a baseline
 * measured in the same run, ending with `bench NAME: VALUE UNIT; baseline VALUE UNIT; ratio R`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

const benchDir = __dirname;
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith('.ts') && name !== 'run.ts' && !name.startsWith('_'))
  .map((name) => name.slice(0, -3))
  .sort();

function fileFor(name: string): string | undefined {
  return files.filter((file) => name === file || name.startsWith(`${file}-`)).sort((a, b) => b.length - a.length)[0];
}

const wanted = process.argv.slice(2);
const plan = new Map<string, string[]>();
for (const name of wanted) {
  const file = fileFor(name);
  if (!file) {
    console.error(`unknown benchmark "${name}"; files: ${files.join(', ')}`);
    process.exit(2);
  }
  const args = plan.get(file) ?? [];
  if (name !== file) args.push(name);
  plan.set(file, args);
}
if (wanted.length === 0) for (const file of files) plan.set(file, []);

const results: string[] = [];
let failed = 0;
for (const [file, args] of plan) {
  console.log(`\n=== ${file} ${args.join(' ')}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(benchDir, `${file}.ts`), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(run.stdout ?? '');
  results.push(...(run.stdout ?? '').split('\n').filter((line) => line.startsWith('bench ')));
  if (run.status !== 0) {
    failed++;
    console.error(`benchmark ${file} failed with exit code ${run.status ?? run.signal}`);
  }
}
console.log('\n=== summary');
for (const line of results) console.log(line);
process.exit(failed > 0 ? 1 : 0);
