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
 * The cache is only a hint: V8 checks it against the source, its own version and its flags, and
 * rejects a stale one (another Node/V8, changed flags, a rebuilt bundle without a new cache). A
 * rejected or missing cache costs nothing but the saving: the bundle is compiled from source as a
 * plain `require` would, and `loadWithCodeCache` says which happened so the caller can log it.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Script, constants } from 'node:vm';

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
const wrap = (source: string) => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

function run(bundle: string, cachedData: Buffer | undefined): Loaded {
  const script = new Script(wrap(readFileSync(bundle, 'utf8')), {
    filename: bundle,
    cachedData,
    // The bundles' few `import("node:crypto")` resolve as they would in a required file.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as unknown, filename: bundle, id: bundle, loaded: false };
  const compiled = script.runInThisContext() as (...args: unknown[]) => void;
  compiled.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  module.loaded = true;
  const cache: CodeCacheUse = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used';
  return { exports: module.exports, script, cache };
}

/** Runs `bundle` as a CommonJS module, with its code cache if there is one; its exports and how the cache fared. */
export function loadWithCodeCache(bundle: string): { exports: unknown; cache: CodeCacheUse } {
  const cacheFile = codeCachePath(bundle);
  const { exports, cache } = run(bundle, existsSync(cacheFile) ? readFileSync(cacheFile) : undefined);
  return { exports, cache };
}

/**
 * Runs `bundle` once (its top level: what loading it costs a cold start) and writes the code of
 * everything that compiled beside it. Run by the build, on the Node the function is deployed on.
 */
export function writeCodeCache(bundle: string): number {
  const { script } = run(bundle, undefined);
  const data = script.createCachedData();
  writeFileSync(codeCachePath(bundle), data);
  return data.length;
}
