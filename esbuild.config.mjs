// Builds one bundle per deployable into dist/<name>/, each with the minimal package.json its deploy
// needs, and prints each bundle's size. `node esbuild.config.mjs [name ...]` builds a subset.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
  { name: 'httpGenerate', entry: 'functions/httpGenerate/index.ts', external: [FRAMEWORK], start: 'functions-framework --target=httpGenerate' },
  { name: 'pubsubReplicate', entry: 'functions/pubsubReplicate/index.ts', external: [FRAMEWORK], start: 'functions-framework --target=pubsubReplicate --signature-type=cloudevent' },
  { name: 'job', entry: 'job/index.ts', external: [], start: 'node index.js' },
  { name: 'flex-template', entry: 'flex-template/main.ts', external: ['apache-beam'], start: 'node index.js' },
];

async function bundle(deployable) {
  const entry = join(root, deployable.entry);
  if (!existsSync(entry)) throw new Error(`${deployable.name}: entry ${deployable.entry} does not exist`);
  const outdir = join(root, 'dist', deployable.name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
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
    external: deployable.external,
    metafile: true,
    logLevel: 'warning',
  });
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
  const inputs = Object.keys(result.metafile.inputs).length;
  console.log(`${deployable.name.padEnd(16)} dist/${deployable.name}/index.js  ${(bytes / 1024).toFixed(1)} KiB  (${inputs} modules)`);
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
