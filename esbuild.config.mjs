// Builds one bundle per deployable into dist/<name>/, each with the minimal package.json its deploy
// needs, and prints every bundle's size and largest packages (esbuild's metafiles are kept in
// dist/meta/). `node esbuild.config.mjs [name ...]` builds a subset.
import {build} from 'esbuild';
import {spawnSync} from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import {createRequire} from 'node:module';
import {basename, dirname, join, relative} from 'node:path';
import {
  deferProtoDescriptors,
  PROTO_LOADER_INDEX,
} from './scripts/lib/lazy-proto-descriptors.mjs';

const root = new URL('.', import.meta.url).pathname;
const rootPackage = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
);
// node's flags for every flex-template process (flex-template/node-flags.ts says why).
const FLEX_NODE_FLAGS = JSON.parse(
  readFileSync(join(root, 'flex-template/node-flags.json'), 'utf8'),
);
const versionOf = name => {
  const version =
    rootPackage.dependencies?.[name] ?? rootPackage.devDependencies?.[name];
  if (!version) throw new Error(`${name} is not a dependency in package.json`);
  return version;
};

// The Functions Framework stays external: its CLI must find the function in its own registry.
const FRAMEWORK = '@google-cloud/functions-framework';

const DEPLOYABLES = [
  // `lazy`: a second bundle (runtime.js) the entry requires on its first request, kept out of the
  // entry so a cold start compiles a small file (see bench/cold-start.ts).
  {
    name: 'httpGenerate',
    entry: 'functions/httpGenerate/index.ts',
    lazy: 'functions/httpGenerate/runtime.ts',
    external: [FRAMEWORK],
    bigtableClientMetrics: false,
    bigtableAdmin: false,
    start: 'functions-framework --target=httpGenerate',
  },
  {
    name: 'pubsubReplicate',
    entry: 'functions/pubsubReplicate/index.ts',
    lazy: 'functions/pubsubReplicate/runtime.ts',
    external: [FRAMEWORK],
    bigtableClientMetrics: false,
    bigtableAdmin: false,
    start:
      'functions-framework --target=pubsubReplicate --signature-type=cloudevent',
  },
  {
    name: 'bigtableToAvro',
    entry: 'functions/bigtableToAvro/index.ts',
    lazy: 'functions/bigtableToAvro/runtime.ts',
    external: [FRAMEWORK],
    bigtableClientMetrics: false,
    bigtableAdmin: false,
    start:
      'functions-framework --target=bigtableToAvro --signature-type=cloudevent',
  },
  {name: 'job', entry: 'job/index.ts', external: [], start: 'node index.js'},
  // `threads`: entries of their own beside index.js, loaded by path in a worker_thread (the blocking
  // client's thread and the I/O service it hosts); `codeCached`: of those, the ones loaded with a
  // V8 code cache written at build (core/code-cache.ts); `files`: copied beside the bundle, where
  // the code finds them by __dirname (the Dataflow job service python-job-service.ts runs).
  {
    name: 'flex-template',
    entry: 'flex-template/main.ts',
    threads: [
      'flex-template/blocking-service-thread.ts',
      'flex-template/io-service.ts',
    ],
    codeCached: ['io-service.js'],
    files: ['flex-template/launcher/dataflow_job_service.py'],
    external: ['apache-beam'],
    bigtableClientMetrics: false,
    bigtableAdmin: false,
    nodeFlags: FLEX_NODE_FLAGS,
    start: `node ${FLEX_NODE_FLAGS.join(' ')} index.js`,
  },
  {
    name: 'changelog-archiver',
    entry: 'changelog-archiver/index.ts',
    external: [],
    start: 'node index.js',
  },
];

// core/avro/schemas.ts reads the .avsc files at load time from `avro/` beside the bundle.
const AVRO_SCHEMAS_MODULE = /core[\\/]avro[\\/]schemas\.ts$/;
function copyAvroSchemas(outdir) {
  mkdirSync(join(outdir, 'avro'), {recursive: true});
  for (const name of readdirSync(join(root, 'core', 'avro')).filter(n =>
    n.endsWith('.avsc'),
  ))
    cpSync(join(root, 'core', 'avro', name), join(outdir, 'avro', name));
}

/** A plugin that bundles `contents` (CommonJS) in place of every module whose path matches `filter`. */
const replacingModule = (name, filter, contents) => ({
  name,
  setup(context) {
    context.onLoad({filter}, () => ({loader: 'js', contents}));
  },
});

// @google-cloud/bigtable reads its protos from disk at load time, found through
// require.resolve('@google-cloud/bigtable-api'), which a bundle cannot answer. Point it at a copy
// of those protos shipped beside the bundle instead.
const BIGTABLE_PROTOS_MODULE =
  /@google-cloud[\\/]bigtable[\\/]build[\\/]src[\\/]utils[\\/]protos\.js$/;
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
const BIGTABLE_METRICS_HANDLER =
  /@google-cloud[\\/]bigtable[\\/]build[\\/]src[\\/]client-side-metrics[\\/]gcp-metrics-handler\.js$/;
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

// --- Shrinks: modules a deployable never runs, replaced at bundle time (each keeps the tests of
// the bundles it is in green; bench/README.md has the sizes before and after).
//
// Every generated Google client package's index requires `build/protos/protos.js`, the protobufjs
// static classes of its whole API (2.7 MB for Cloud SQL Admin, 1.6 MB for Bigtable's admin and data
// APIs), only to re-export them as `protos` for callers who want the message classes. The clients
// themselves load `protos.json`. Nothing here uses `protos` (Bigtable's ExecuteQuery reader would,
// and the pipeline never runs SQL queries on Bigtable), so it is a namespace that fails loudly when
// anything inside it is touched.
const STATIC_PROTOS =
  /node_modules[\\/]@google-cloud[\\/](sql|bigtable-api|monitoring|pubsub-api|pubsub|secret-manager)[\\/]build[\\/]protos[\\/]protos\.js$/;
const withoutStaticProtos = {
  name: 'without-static-protos',
  setup(context) {
    context.onLoad({filter: STATIC_PROTOS}, ({path}) => ({
      loader: 'js',
      contents: `"use strict";
const pkg = ${JSON.stringify(path.match(STATIC_PROTOS)[1])};
const absent = (namespace) => new Proxy({}, {
  get(_, key) {
    if (typeof key === "symbol") return undefined;
    throw new Error("protos." + namespace + "." + key + ": the static protobuf classes of @google-cloud/" + pkg + " are not bundled (without-static-protos in esbuild.config.mjs)");
  },
});
module.exports = new Proxy({}, {
  get(_, key) {
    return typeof key === "symbol" || key === "__esModule" || key === "default" || key === "then" ? undefined : absent(key);
  },
});`,
    }));
  },
};

// @google-cloud/cloud-sql-connector uses one client of the Cloud SQL Admin API package,
// `v1beta4.SqlDataServiceClient` (sql-data-client.js), to fetch the instance's metadata and
// certificates; the package's index loads all 30 clients of v1 and v1beta4.
const SQL_ADMIN_INDEX =
  /node_modules[\\/]@google-cloud[\\/]sql[\\/]build[\\/]src[\\/]index\.js$/;
const onlySqlDataClient = {
  name: 'only-sql-data-client',
  setup(context) {
    context.onLoad({filter: SQL_ADMIN_INDEX}, ({path}) => ({
      loader: 'js',
      resolveDir: dirname(path),
      contents: `"use strict";
exports.v1beta4 = { SqlDataServiceClient: require("./v1beta4/sql_data_service_client").SqlDataServiceClient };`,
    }));
  },
};

// mysql2 decodes with iconv-lite the character sets Node has no decoder for; iconv-lite's tables of
// the East Asian double-byte sets (Shift JIS, EUC-JP, GBK, Big5, EUC-KR: about 390 KiB) are required only
// when such a set is first used. The pipeline's database and tables are utf8mb4
// (core/sql/migrations.ts), as are mysql2's connections by default, so each table is a module that
// throws, naming itself, if that ever changes.
const EAST_ASIAN_CHARSET_TABLES =
  /node_modules[\\/]iconv-lite[\\/]encodings[\\/]tables[\\/]([^\\/]+)\.json$/;
const withoutEastAsianCharsetTables = {
  name: 'without-east-asian-charset-tables',
  setup(context) {
    context.onLoad({filter: EAST_ASIAN_CHARSET_TABLES}, ({path}) => ({
      loader: 'js',
      contents: `throw new Error(${JSON.stringify(`iconv-lite's ${path.match(EAST_ASIAN_CHARSET_TABLES)[1]} table is not bundled: the database connection must use utf8mb4 (without-east-asian-charset-tables in esbuild.config.mjs)`)});`,
    }));
  },
};

// @google-cloud/bigtable's gapic clients each parse the whole of its protos.json on first use
// (google-gax `loadProtoJSON`: every message's descriptor is built), the admin APIs included, which
// are two thirds of it. A deployable that only reads and writes rows (`bigtableAdmin: false`) gets
// the data API's protos alone: google.bigtable.v2 and what it uses. The build checks that every
// type the kept protos name resolves; an admin call from such a deployable would find no service
// (the functions make none: tables are made by scripts/provision.ts).
const BIGTABLE_API_PROTOS_JSON =
  /@google-cloud[\\/]bigtable-api[\\/]build[\\/]protos[\\/]protos\.json$/;
const DROPPED_PROTO_NAMESPACES = [
  ['google', 'bigtable', 'admin'],
  ['google', 'iam'],
  ['google', 'longrunning'],
];
const bigtableDataProtos = {
  name: 'bigtable-data-protos',
  setup(context) {
    context.onLoad({filter: BIGTABLE_API_PROTOS_JSON}, async ({path}) => {
      const protos = JSON.parse(readFileSync(path, 'utf8'));
      for (const names of DROPPED_PROTO_NAMESPACES) {
        const parent = names
          .slice(0, -1)
          .reduce((ns, name) => ns.nested[name], protos);
        if (!parent.nested[names.at(-1)])
          throw new Error(
            `bigtable-data-protos: ${names.join('.')} is not in ${path}: check the package's protos`,
          );
        delete parent.nested[names.at(-1)];
      }
      // The protobufjs the Bigtable clients load the JSON with; it throws when a kept type names a dropped one.
      const {Root} = createRequire(createRequire(path).resolve('google-gax'))(
        'protobufjs',
      );
      Root.fromJSON(protos).resolveAll();
      return {loader: 'json', contents: JSON.stringify(protos)};
    });
  },
};

// --- Start-up: work a cold start pays for and never uses, deferred at bundle time
// (scripts/lib/lazy-proto-descriptors.mjs: proto-loader's descriptors, built only when read).
const lazyProtoDescriptors = {
  name: 'lazy-proto-descriptors',
  setup(context) {
    context.onLoad({filter: PROTO_LOADER_INDEX}, ({path}) => ({
      loader: 'js',
      contents: deferProtoDescriptors(readFileSync(path, 'utf8'), path),
      resolveDir: dirname(path),
    }));
  },
};

function copyBigtableProtos(outdir) {
  const source = join(
    dirname(
      createRequire(join(root, 'package.json')).resolve(
        '@google-cloud/bigtable-api',
      ),
    ),
    '..',
    'protos',
  );
  const target = join(outdir, BIGTABLE_PROTOS_DIR);
  cpSync(join(source, 'protos.json'), join(target, 'protos.json'));
  cpSync(join(source, 'google'), join(target, 'google'), {recursive: true});
}

// The V8 code cache of a bundle loaded through core/code-cache.ts (a lazy runtime, the flex I/O service), written beside it by running
// the bundle once in a fresh Node: the Node of node_modules/.bin under `npm run build`, the 22 the
// functions are deployed on. V8 rejects a cache made by another version, and the function then
// compiles from source and logs a warning.
async function writeCodeCacheOf(outdir, file, nodeFlags = []) {
  const writer = join(outdir, '.write-code-cache.js');
  await build({
    stdin: {
      contents:
        "process.stdout.write(String(require('./core/code-cache').writeCodeCache(process.argv[2])))",
      resolveDir: root,
      loader: 'ts',
    },
    outfile: writer,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    logLevel: 'warning',
  });
  try {
    // Under the flags the bundle runs with: V8 rejects a cache made under other flags.
    const run = spawnSync(
      process.execPath,
      [...nodeFlags, writer, join(outdir, file)],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          METADATA_SERVER_DETECTION: 'none',
          NODE_ENV: 'production',
        },
        timeout: 120_000,
      },
    );
    if (run.status !== 0)
      throw new Error(
        `writing the code cache of ${outdir}/${file} failed: ${run.stderr || run.error}`,
      );
    if (!process.version.startsWith('v22.'))
      console.warn(
        `code cache written by Node ${process.version}: the deployed nodejs22 will reject it (build with npm run build)`,
      );
  } finally {
    rmSync(writer, {force: true});
  }
}

// --- What `npm run build` prints and keeps: every bundle's size and what fills it, from esbuild's
// metafile (also written to dist/meta/<name>/<bundle>.json: open it in esbuild's bundle analyzer,
// or read `inputs`). A package is named by its node_modules path, nested copies included
// (`a > b` is b's copy inside a), so duplicate copies show up as separate lines.
const TOP_PACKAGES = 6;
const kib = bytes => `${(bytes / 1024).toFixed(1)} KiB`;

function packageOf(input) {
  const names = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].map(
    match => match[1],
  );
  return names.length > 0 ? names.join(' > ') : '(project)';
}

/** Bytes in the output per package, the largest first. */
function packagesBySize(output) {
  const bytes = new Map();
  for (const [input, {bytesInOutput}] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
  }
  return [...bytes].sort((a, b) => b[1] - a[1]);
}

/** Packages bundled in more than one copy (nested node_modules), with their copies' total bytes. */
function duplicatedPackages(packages) {
  const copies = new Map();
  for (const [name, bytes] of packages) {
    const leaf = name.split(' > ').at(-1);
    const seen = copies.get(leaf) ?? {count: 0, bytes: 0};
    copies.set(leaf, {count: seen.count + 1, bytes: seen.bytes + bytes});
  }
  return [...copies]
    .filter(([, {count}]) => count > 1)
    .sort((a, b) => b[1].bytes - a[1].bytes);
}

/** Prints a bundle's size, its largest and its duplicated packages; writes its metafile under dist/meta/. */
function reportBundle(deployable, file, metafile) {
  const outdir = join(root, 'dist', deployable.name);
  const output = Object.entries(metafile.outputs).find(
    ([path]) => join(root, path) === join(outdir, file),
  )?.[1];
  if (!output)
    throw new Error(
      `${deployable.name}: esbuild's metafile has no output ${file}`,
    );
  const metaDir = join(root, 'dist', 'meta', deployable.name);
  mkdirSync(metaDir, {recursive: true});
  const metaFile = join(metaDir, file.replace(/\.js$/, '.json'));
  writeFileSync(metaFile, JSON.stringify(metafile));
  const extras = [`${file}.map`, `${file}.v8cache`].filter(name =>
    existsSync(join(outdir, name)),
  );
  const beside = extras
    .map(name => `${name} ${kib(statSync(join(outdir, name)).size)}`)
    .join(', ');
  const packages = packagesBySize(output);
  const packageCount = packages.filter(([name]) => name !== '(project)').length;
  console.log(
    `${deployable.name.padEnd(18)} dist/${deployable.name}/${file}  ${kib(output.bytes)}  (${Object.keys(output.inputs).length} modules, ${packageCount} packages${beside ? `; beside it ${beside}` : ''})`,
  );
  const top = packages
    .slice(0, TOP_PACKAGES)
    .map(([name, bytes]) => `${name} ${kib(bytes)}`);
  console.log(
    `${''.padEnd(18)}   largest: ${top.join(', ')}  [metafile: ${relative(root, metaFile)}]`,
  );
  const duplicated = duplicatedPackages(packages).slice(0, TOP_PACKAGES);
  if (duplicated.length > 0) {
    console.log(
      `${''.padEnd(18)}   in several copies: ${duplicated.map(([name, {count, bytes}]) => `${name} x${count} ${kib(bytes)}`).join(', ')}`,
    );
  }
  return output.bytes;
}

/** The shrinks a deployable's bundles get. */
function shrinks(deployable) {
  return [
    withoutStaticProtos,
    onlySqlDataClient,
    withoutEastAsianCharsetTables,
    ...(deployable.bigtableClientMetrics === false
      ? [withoutBigtableClientMetrics]
      : []),
    ...(deployable.bigtableAdmin === false ? [bigtableDataProtos] : []),
  ];
}

async function bundle(deployable) {
  const entry = join(root, deployable.entry);
  if (!existsSync(entry))
    throw new Error(
      `${deployable.name}: entry ${deployable.entry} does not exist`,
    );
  const outdir = join(root, 'dist', deployable.name);
  rmSync(outdir, {recursive: true, force: true});
  rmSync(join(root, 'dist', 'meta', deployable.name), {
    recursive: true,
    force: true,
  });
  mkdirSync(outdir, {recursive: true});
  const options = {
    // Metafile paths are relative to this, whatever directory the build is run from (npm start
    // runs it from a directory of its own).
    absWorkingDir: root.replace(/\/$/, ''),
    entryPoints: [entry],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    keepNames: true,
    // Maps of positions only: a stack trace read with --enable-source-maps names the source file
    // and line; the sources themselves (three quarters of a map's bytes) are in the repository.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'linked',
    external: deployable.lazy
      ? [...deployable.external, './runtime']
      : deployable.external,
    metafile: true,
    logLevel: 'warning',
    plugins: [bigtableProtos, lazyProtoDescriptors, ...shrinks(deployable)],
  };
  const result = await build(options);
  const inputs = Object.keys(result.metafile.inputs);
  // Printed as soon as each is written, so a long build is never long silent.
  let bytes = reportBundle(deployable, 'index.js', result.metafile);
  const lazy = deployable.lazy
    ? await build({
        ...options,
        entryPoints: [join(root, deployable.lazy)],
        outfile: join(outdir, 'runtime.js'),
        external: deployable.external,
      })
    : undefined;
  if (lazy) inputs.push(...Object.keys(lazy.metafile.inputs));
  const threads = [];
  for (const thread of deployable.threads ?? []) {
    const file = `${basename(thread, '.ts')}.js`;
    const built = await build({
      ...options,
      entryPoints: [join(root, thread)],
      outfile: join(outdir, file),
    });
    inputs.push(...Object.keys(built.metafile.inputs));
    threads.push([file, built.metafile]);
  }
  for (const file of deployable.files ?? []) {
    // Kept at its path under the entry's folder: flex-template/launcher/x.py -> launcher/x.py.
    const target = join(
      outdir,
      file.slice(dirname(deployable.entry).length + 1),
    );
    mkdirSync(dirname(target), {recursive: true});
    cpSync(join(root, file), target);
  }
  if (inputs.some(input => BIGTABLE_PROTOS_MODULE.test(input)))
    copyBigtableProtos(outdir);
  if (inputs.some(input => AVRO_SCHEMAS_MODULE.test(input)))
    copyAvroSchemas(outdir);
  if (deployable.lazy)
    await writeCodeCacheOf(outdir, 'runtime.js', deployable.nodeFlags);
  for (const file of deployable.codeCached ?? [])
    await writeCodeCacheOf(outdir, file, deployable.nodeFlags);
  const dependencies = Object.fromEntries(
    deployable.external.map(name => [name, versionOf(name)]),
  );
  const manifest = {
    name: `finserv-${deployable.name.toLowerCase()}`,
    version: rootPackage.version,
    private: true,
    main: 'index.js',
    engines: {node: '>=22 <23'},
    scripts: {start: deployable.start},
    dependencies,
  };
  writeFileSync(
    join(outdir, 'package.json'),
    JSON.stringify(manifest, null, 2) + '\n',
  );
  if (lazy) bytes += reportBundle(deployable, 'runtime.js', lazy.metafile);
  for (const [file, metafile] of threads)
    bytes += reportBundle(deployable, file, metafile);
  return {name: deployable.name, bytes};
}

const wanted = process.argv.slice(2);
const selected =
  wanted.length === 0
    ? DEPLOYABLES
    : DEPLOYABLES.filter(d => wanted.includes(d.name));
if (wanted.length > 0 && selected.length !== wanted.length) {
  console.error(
    `unknown deployable in ${wanted.join(', ')}; known: ${DEPLOYABLES.map(d => d.name).join(', ')}`,
  );
  process.exit(2);
}
try {
  for (const deployable of selected) await bundle(deployable);
} catch (error) {
  console.error(error.message ?? error);
  process.exit(1);
}
