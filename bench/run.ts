/**
 * `npm run bench [-- NAME ...]`: runs each benchmark file `bench/<file>.ts` in its own Node process.
 * A NAME is a file name (`replicate`: all its figures) or a figure inside a file
 * (`daily-summary-memory` runs `daily-summary.ts` with that name as argument); see `_plan.ts`.
 * Each figure prints a line `bench NAME: VALUE UNIT; baseline VALUE UNIT; ratio R` as soon as it is
 * measured (the files' output is passed through as it comes), and the lines are repeated at the end.
 */
import {spawn} from 'node:child_process';
import {readFileSync, readdirSync} from 'node:fs';
import * as path from 'node:path';
import {build} from 'esbuild';
import {parseFlags, UsageError} from '../core/command-line';
import {UnknownBenchmarkError, planBenchmarks, type BenchPlan} from './_plan';

const benchDir = __dirname;
const files = readdirSync(benchDir)
  .filter(
    name => name.endsWith('.ts') && name !== 'run.ts' && !name.startsWith('_'),
  )
  .map(name => name.slice(0, -3))
  .sort();

/**
 * Files run as one esbuild bundle of this project's code (packages left to node_modules), the
 * way the functions are deployed, instead of through tsx: tsx loads each module as CommonJS, where
 * every call to another module's function goes through two export getters, which made the
 * replication's encoder twice as dear as in the deployed bundle (4.7 against 2.3 ms per 1,000
 * rows, bench/README.md). The others still run through tsx.
 */
const RUN_AS_BUNDLE: ReadonlySet<string> = new Set(['replicate']);

/** Each module keeps its own `__dirname` and `__filename` in the bundle (paths to files beside it). */
const keepModulePaths = {
  name: 'keep-module-paths',
  setup(builder: import('esbuild').PluginBuild) {
    builder.onLoad({filter: /\.ts$/}, args => ({
      loader: 'ts',
      contents: readFileSync(args.path, 'utf8')
        .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
        .replace(/\b__filename\b/g, JSON.stringify(args.path)),
    }));
  },
};

/** The command that runs a bench file: its bundle (built here), or its source through tsx. */
async function commandOf(file: string): Promise<string[]> {
  const source = path.join(benchDir, `${file}.ts`);
  if (!RUN_AS_BUNDLE.has(file)) return ['--import', 'tsx', source];
  const bundle = path.join(benchDir, '..', 'dist', 'bench', `${file}.js`);
  await build({
    entryPoints: [source],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node22',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [keepModulePaths],
  });
  return ['--enable-source-maps', bundle];
}

/** Runs one file, passing its output through as it comes; resolves with its `bench ` lines and exit status. */
async function runFile(
  file: string,
  args: string[],
): Promise<{lines: string[]; status: number | string}> {
  const command = await commandOf(file);
  return new Promise(resolve => {
    const child = spawn(process.execPath, [...command, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      process.stdout.write(chunk);
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      lines.push(...parts.filter(line => line.startsWith('bench ')));
    });
    child.once('error', error => resolve({lines, status: error.message}));
    child.once('close', (code, signal) => {
      if (partial.startsWith('bench ')) lines.push(partial);
      resolve({lines, status: code ?? signal ?? 'unknown'});
    });
  });
}

const USAGE = `Usage: npm run bench [-- NAME ...]

Runs each named benchmark (a file of bench/, or one figure of it), or all; methods and figures in
bench/README.md. Files: ${files.join(', ')}
`;

async function main(): Promise<number> {
  let plan: BenchPlan;
  try {
    const {help, positionals} = parseFlags(
      process.argv.slice(2),
      {},
      {positionals: true},
    );
    if (help) {
      process.stdout.write(USAGE);
      return 0;
    }
    plan = planBenchmarks(positionals, files);
  } catch (error) {
    if (!(
      error instanceof UnknownBenchmarkError || error instanceof UsageError
    ))
      throw error;
    console.error(error.message);
    return 2;
  }
  const results: string[] = [];
  let failed = 0;
  for (const [file, args] of plan) {
    console.log(`\n=== ${file} ${args.join(' ')}`);
    const {lines, status} = await runFile(file, args);
    results.push(...lines);
    if (status !== 0) {
      failed++;
      console.error(`benchmark ${file} failed with exit code ${status}`);
    }
  }
  console.log('\n=== summary');
  for (const line of results) console.log(line);
  return failed > 0 ? 1 : 0;
}

void main().then(code => process.exit(code));
