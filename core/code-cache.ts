/**
 * Loads a CommonJS bundle with a V8 code cache made at build time, so a cold start deserializes
 * compiled code instead of parsing and compiling the bundle (most of a runtime bundle's first
 * `require`).
 *
 * Why not Node's own `module.enableCompileCache()`: Node 22 writes its cache right after compiling
 * a file, before running it, so it holds little more than the top level (~0.4 MB for an 11 MB
 * bundle, about a third of the compile CPU saved). A cache taken with `script.createCachedData()`
 * after the bundle has run also holds every function its loading compiled (~6 MB), and saves
 * about two thirds (bench/README.md, cold-start).
 *
 * The cache is only a hint. It starts with the SHA-256 of the bundle it was made from (V8 itself
 * compares only the source's length), and V8 checks the rest against its own version and flags; a
 * stale cache (a rebuilt bundle, another Node/V8, other V8 flags) is rejected. A rejected or
 * missing cache costs nothing but the saving: the bundle is compiled from source as a plain
 * `require` would, and `loadWithCodeCache` says which happened so the caller can log it.
 */
import {hash} from 'node:crypto';
import {createRequire} from 'node:module';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname} from 'node:path';
import {Script, constants} from 'node:vm';

/** The cache file beside a bundle. */
export function codeCachePath(bundle: string): string {
  return `${bundle}.v8cache`;
}

export type CodeCacheUse = 'used' | 'rejected' | 'missing';

interface Loaded {
  exports: unknown;
  script: Script;
  cache: CodeCacheUse;
}

// Node's own CommonJS wrapper: the bundle sees the same five bindings as under `require`.
const wrap = (source: string) =>
  `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

const DIGEST_BYTES = 32;
const digestOf = (source: Buffer) => hash('sha256', source, 'buffer');

/** The cache's V8 data when it was made from this source; `rejected` when from another. */
function cachedDataFor(
  source: Buffer,
  cacheFile: string,
): Buffer | 'rejected' | undefined {
  if (!existsSync(cacheFile)) return undefined;
  const cache = readFileSync(cacheFile);
  return cache.subarray(0, DIGEST_BYTES).equals(digestOf(source))
    ? cache.subarray(DIGEST_BYTES)
    : 'rejected';
}

function run(
  bundle: string,
  source: Buffer,
  cachedData: Buffer | undefined,
): Loaded {
  const script = new Script(wrap(source.toString('utf8')), {
    filename: bundle,
    cachedData,
    // The bundles' few `import("node:crypto")` resolve as they would in a required file.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = {
    exports: {} as unknown,
    filename: bundle,
    id: bundle,
    loaded: false,
  };
  const compiled = script.runInThisContext() as (...args: unknown[]) => void;
  compiled.call(
    module.exports,
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    dirname(bundle),
  );
  module.loaded = true;
  const cache: CodeCacheUse =
    cachedData === undefined
      ? 'missing'
      : script.cachedDataRejected
        ? 'rejected'
        : 'used';
  return {exports: module.exports, script, cache};
}

/** Runs `bundle` as a CommonJS module, with its code cache if there is one; its exports and how the cache fared. */
export function loadWithCodeCache(bundle: string): {
  exports: unknown;
  cache: CodeCacheUse;
} {
  const source = readFileSync(bundle);
  const cachedData = cachedDataFor(source, codeCachePath(bundle));
  const {exports, cache} = run(
    bundle,
    source,
    cachedData === 'rejected' ? undefined : cachedData,
  );
  return {exports, cache: cachedData === 'rejected' ? 'rejected' : cache};
}

/**
 * Runs `bundle` once (its top level: what loading it costs a cold start) and writes the code of
 * everything that compiled beside it. Run by the build, on the Node the function is deployed on.
 */
export function writeCodeCache(bundle: string): number {
  const source = readFileSync(bundle);
  const {script} = run(bundle, source, undefined);
  const data = Buffer.concat([digestOf(source), script.createCachedData()]);
  writeFileSync(codeCachePath(bundle), data);
  return data.length;
}
