import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
  codeCachePath,
  loadWithCodeCache,
  writeCodeCache,
} from '../../core/code-cache';

const loader = join(__dirname, '..', '..', 'core', 'code-cache.ts');
let dir: string;
let bundle: string;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
  bundle = join(dir, 'runtime.js');
  // A bundle that uses all of CommonJS's bindings, a relative require and a dynamic import.
  writeFileSync(
    join(dir, 'helper.js'),
    'module.exports = { twice: (n) => 2 * n };\n',
  );
  writeFileSync(
    bundle,
    `"use strict";
const { twice } = require('./helper');
function sum(values) { return values.reduce((a, b) => a + b, 0); }
exports.answer = twice(sum([1, 2, 3]));
exports.where = { file: __filename, dir: __dirname, self: module.exports === exports };
exports.digest = async () => (await import('node:crypto')).createHash('sha256').update('x').digest('hex').slice(0, 8);
`,
  );
});

test.after(() => rmSync(dir, {recursive: true, force: true}));

/** Loads the bundle in a fresh Node, as a cold start does; what the loader reported and the exports. */
function loadFresh(): {cache: string; answer: number; digest: string} {
  const script = `const { loadWithCodeCache } = require(${JSON.stringify(loader)});
const { exports, cache } = loadWithCodeCache(${JSON.stringify(bundle)});
exports.digest().then((digest) => console.log(JSON.stringify({ cache, answer: exports.answer, digest })));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    encoding: 'utf8',
  });
  assert.is(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

test('without a cache the bundle runs as a CommonJS module, and says the cache is missing', () => {
  rmSync(codeCachePath(bundle), {force: true});
  const {exports, cache} = loadWithCodeCache(bundle) as {
    exports: {answer: number; where: Record<string, unknown>};
    cache: string;
  };
  assert.is(cache, 'missing');
  assert.is(exports.answer, 12);
  assert.equal(exports.where, {file: bundle, dir, self: true});
  assert.equal(loadFresh(), {cache: 'missing', answer: 12, digest: '2d711642'});
});

test('a written cache is used by a fresh process', () => {
  assert.ok(writeCodeCache(bundle) > 0);
  assert.equal(loadFresh(), {cache: 'used', answer: 12, digest: '2d711642'});
});

test('a stale cache is rejected and the bundle compiled from source: a changed bundle or a foreign cache', () => {
  writeCodeCache(bundle);
  const original = readFileSync(bundle, 'utf8');
  // The same length: V8 alone would take this cache for the changed bundle.
  writeFileSync(
    bundle,
    original.replace(
      'exports.answer = twice(sum([1, 2, 3]))',
      'exports.answer = twice(sum([1, 2, 4]))',
    ),
  );
  try {
    assert.equal(loadFresh(), {
      cache: 'rejected',
      answer: 14,
      digest: '2d711642',
    });
  } finally {
    writeFileSync(bundle, original);
  }
  const cache = readFileSync(codeCachePath(bundle));
  cache.writeUInt32LE(cache.readUInt32LE(32 + 4) ^ 0xffff, 32 + 4); // V8's version hash, after the digest
  writeFileSync(codeCachePath(bundle), cache);
  assert.equal(loadFresh(), {
    cache: 'rejected',
    answer: 12,
    digest: '2d711642',
  });
});

test.run();
