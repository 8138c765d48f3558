// Builds one bundle per deployable into dist/<name>/, each with the minimal package.json its deploy
// needs, and prints each bundle's size. `node esbuild.config.mjs [name ...]` builds a subset.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

const root = new URL('.', import.meta.url).pathname;
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const versionOf = (name) => {
  const version = rootPackage.dependencies?.[name] ?? rootPackage.devDependencies?.[name];
  if (!version) throw new Error(`${name} is not a dependency in package.json`);
  return version;
};

// The Functions Framework stays external: its CLI must find the function in its own registry.
const FRAMEWORK = '@google-cloud/functions-framework';

const DEPLOYABLES = [
  // `lazy`: a second bundle (runtime.js) the entry requires on its first request, kept out of the
  // entry so a cold start compiles a small file (see bench/cold-start.ts).
  { name: 'httpGenerate', entry: 'functions/httpGenerate/index.ts', lazy: 'functions/httpGenerate/runtime.ts', external: [FRAMEWORK], start: 'functions-framework --target=httpGenerate' },
  { name: 'pubsubReplicate', entry: 'functions/pubsubReplicate/index.ts', lazy: 'functions/pubsubReplicate/runtime.ts', external: [FRAMEWORK], bigtableClientMetrics: false, start: 'functions-framework --target=pubsubReplicate --signature-type=cloudevent' },
  { name: 'bigtableToAvro', entry: 'functions/bigtableToAvro/index.ts', lazy: 'functions/bigtableToAvro/runtime.ts', external: [FRAMEWORK], bigtableClientMetrics: false, start: 'functions-framework --target=bigtableToAvro --signature-type=cloudevent' },
  { name: 'job', entry: 'job/index.ts', external: [], start: 'node index.js' },
  // `threads`: entries of their own beside index.js, loaded by path in a worker_thread (the blocking
  // client's thread and the I/O service it hosts); `codeCached`: of those, the ones loaded with a
  // V8 code cache written at build (core/code-cache.ts); `files`: copied beside the bundle, where
  // the code finds them by __dirname (the Dataflow job service python-job-service.ts runs).
  { name: 'flex-template', entry: 'flex-template/main.ts', threads: ['flex-template/blocking-service-thread.ts', 'flex-template/io-service.ts'], codeCached: ['io-service.js'], files: ['flex-template/launcher/dataflow_job_service.py'], external: ['apache-beam'], bigtableClientMetrics: false, start: 'node index.js' },
  { name: 'changelog-archiver', entry: 'changelog-archiver/index.ts', external: [], start: 'node index.js' },
];

// core/avro/schemas.ts reads the .avsc files at load time from `avro/` beside the bundle.
const AVRO_SCHEMAS_MODULE = /core[\\/]avro[\\/]schemas\.ts$/;
function copyAvroSchemas(outdir) {
  mkdirSync(join(outdir, 'avro'), { recursive: true });
  for (const name of readdirSync(join(root, 'core', 'avro')).filter((n) => n.endsWith('.avsc'))) cpSync(join(root, 'core', 'avro', name), join(outdir, 'avro', name));
}

/** A plugin that bundles `contents` (CommonJS) in place of every module whose path matches `filter`. */
const replacingModule = (name, filter, contents) => ({
  name,
  setup(context) {
    context.onLoad({ filter }, () => ({ loader: 'js', contents }));
  },
});

// @google-cloud/bigtable reads its protos from disk at load time, found through
// require.resolve('@google-cloud/bigtable-api'), which a bundle cannot answer. Point it at a copy
// of those protos shipped beside the bundle instead.
const BIGTABLE_PROTOS_MODULE = /@google-cloud[\\/]bigtable[\\/]build[\\/]src[\\/]utils[\\/]protos\.js$/;
const BIGTABLE_PROTOS_DIR = 'bigtable-protos';
const bigtableProtos = replacingModule(
  'bigtable-protos',
  BIGTABLE_PROTOS_MODULE,
  `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const path = require("node:path");
exports.getProtoPath = (proto) => path.join(__dirname, ${JSON.stringify(BIGTABLE_PROTOS_DIR)}, proto);`,
);

// @google-cloud/bigtable requires its client-side metrics handler at load time, and with it the
// Cloud Monitoring client and OpenTelemetry's SDK (about 1.5 MB of the bundle), even when the client
// is made with metrics off. A deployable whose clients never turn them on
// (`bigtableClientMetrics: false`; core/bigtable/client.ts has them off unless asked) gets a handler
// that fails loudly if a client with metrics on is ever made from it.
const BIGTABLE_METRICS_HANDLER = /@google-cloud[\\/]bigtable[\\/]build[\\/]src[\\/]client-side-metrics[\\/]gcp-metrics-handler\.js$/;
const withoutBigtableClientMetrics = replacingModule(
  'without-bigtable-client-metrics',
  BIGTABLE_METRICS_HANDLER,
  `"use strict";
exports.GCPMetricsHandler = class GCPMetricsHandler {
  constructor() {
    throw new Error("Bigtable client-side metrics are not bundled into this deployable: make its client with clientMetrics off, or drop bigtableClientMetrics: false in esbuild.config.mjs");
  }
};`,
);

function copyBigtableProtos(outdir) {
  const source = join(dirname(createRequire(join(root, 'package.json')).resolve('@google-cloud/bigtable-api')), '..', 'protos');
  const target = join(outdir, BIGTABLE_PROTOS_DIR);
  cpSync(join(source, 'protos.json'), join(target, 'protos.json'));
  cpSync(join(source, 'google'), join(target, 'google'), { recursive: true });
}

// The V8 code cache of a bundle loaded through core/code-cache.ts (a lazy runtime, the flex I/O service), written beside it by running
// the bundle once in a fresh Node: the Node of node_modules/.bin under `npm run build`, the 22 the
// functions are deployed on. V8 rejects a cache made by another version, and the function then
// compiles from source and logs a warning.
async function writeCodeCacheOf(outdir, file) {
  const writer = join(outdir, '.write-code-cache.js');
  await build({
    stdin: { contents: "process.stdout.write(String(require('./core/code-cache').writeCodeCache(process.argv[2])))", resolveDir: root, loader: 'ts' },
    outfile: writer,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    logLevel: 'warning',
  });
  try {
    const run = spawnSync(process.execPath, [writer, join(outdir, file)], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none', NODE_ENV: 'production' },
      timeout: 120_000,
    });
    if (run.status !== 0) throw new Error(`writing the code cache of ${outdir}/${file} failed: ${run.stderr || run.error}`);
    if (!process.version.startsWith('v22.')) console.warn(`code cache written by Node ${process.version}: the deployed nodejs22 will reject it (build with npm run build)`);
  } finally {
    rmSync(writer, { force: true });
  }
}

async function bundle(deployable) {
  const entry = join(root, deployable.entry);
  if (!existsSync(entry)) throw new Error(`${deployable.name}: entry ${deployable.entry} does not exist`);
  const outdir = join(root, 'dist', deployable.name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const options = {
    entryPoints: [entry],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    external: deployable.lazy ? [...deployable.external, './runtime'] : deployable.external,
    metafile: true,
    logLevel: 'warning',
    plugins: deployable.bigtableClientMetrics === false ? [bigtableProtos, withoutBigtableClientMetrics] : [bigtableProtos],
  };
  const result = await build(options);
  const inputs = Object.keys(result.metafile.inputs);
  if (deployable.lazy) {
    const lazy = await build({ ...options, entryPoints: [join(root, deployable.lazy)], outfile: join(outdir, 'runtime.js'), external: deployable.external });
    inputs.push(...Object.keys(lazy.metafile.inputs));
  }
  for (const thread of deployable.threads ?? []) {
    const built = await build({ ...options, entryPoints: [join(root, thread)], outfile: join(outdir, `${basename(thread, '.ts')}.js`) });
    inputs.push(...Object.keys(built.metafile.inputs));
  }
  for (const file of deployable.files ?? []) {
    // Kept at its path under the entry's folder: flex-template/launcher/x.py -> launcher/x.py.
    const target = join(outdir, file.slice(dirname(deployable.entry).length + 1));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(root, file), target);
  }
  if (inputs.some((input) => BIGTABLE_PROTOS_MODULE.test(input))) copyBigtableProtos(outdir);
  if (inputs.some((input) => AVRO_SCHEMAS_MODULE.test(input))) copyAvroSchemas(outdir);
  if (deployable.lazy) await writeCodeCacheOf(outdir, 'runtime.js');
  for (const file of deployable.codeCached ?? []) await writeCodeCacheOf(outdir, file);
  const dependencies = Object.fromEntries(deployable.external.map((name) => [name, versionOf(name)]));
  const manifest = {
    name: `finserv-${deployable.name.toLowerCase()}`,
    version: rootPackage.version,
    private: true,
    main: 'index.js',
    engines: { node: '>=22 <23' },
    scripts: { start: deployable.start },
    dependencies,
  };
  writeFileSync(join(outdir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  const bytes = statSync(join(outdir, 'index.js')).size;
  console.log(`${deployable.name.padEnd(16)} dist/${deployable.name}/index.js  ${(bytes / 1024).toFixed(1)} KiB  (${inputs.length} modules)`);
  return { name: deployable.name, bytes };
}

const wanted = process.argv.slice(2);
const selected = wanted.length === 0 ? DEPLOYABLES : DEPLOYABLES.filter((d) => wanted.includes(d.name));
if (wanted.length > 0 && selected.length !== wanted.length) {
  console.error(`unknown deployable in ${wanted.join(', ')}; known: ${DEPLOYABLES.map((d) => d.name).join(', ')}`);
  process.exit(2);
}
try {
  for (const deployable of selected) await bundle(deployable);
} catch (error) {
  console.error(error.message ?? error);
  process.exit(1);
}
