/**
 * scripts/setup.sh's prerequisite checks, run for real with a PATH from which one tool has been
 * taken away (or replaced by one reporting an older version): setup must stop before installing
 * anything, naming the tool, the version it needs and the command that installs that version.
 */
import {spawnSync} from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(__dirname, '..', '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'setup-test-'));

/** A one-directory PATH holding every program of this PATH except `without`, plus `extra` scripts. */
function pathWithout(
  without: string[],
  extra: Record<string, string> = {},
): string {
  const dir = mkdtempSync(path.join(scratch, 'bin-'));
  // pyenv's shim finds pyenv on PATH; link the interpreter itself instead.
  const python = spawnSync(
    'python3',
    ['-c', 'import sys; print(sys.executable)'],
    {encoding: 'utf8'},
  ).stdout.trim();
  const links: Record<string, string> = python ? {python3: python} : {};
  for (const entry of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!entry || !existsSync(entry)) continue;
    for (const name of readdirSync(entry))
      links[name] ??= path.join(entry, name);
  }
  for (const [name, target] of Object.entries(links)) {
    if (!without.includes(name) && !(name in extra))
      symlinkSync(target, path.join(dir, name));
  }
  for (const [name, body] of Object.entries(extra)) {
    writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  return dir;
}

function setup(pathDir: string, env: Record<string, string> = {}) {
  return spawnSync('/bin/bash', ['scripts/setup.sh', '--quiet'], {
    cwd: root,
    encoding: 'utf8',
    env: {...process.env, PATH: pathDir, ...env},
    timeout: 60_000,
  });
}

/** An empty cache dir: fake-gcs-server is not built there, so setup needs Go. */
function emptyCache(): string {
  const dir = path.join(
    scratch,
    `cache-${Math.random().toString(36).slice(2)}`,
  );
  mkdirSync(dir);
  return dir;
}

test('a missing Go names the version fake-gcs-server needs and how to install it', () => {
  const run = setup(pathWithout(['go', 'gofmt']), {
    XDG_CACHE_HOME: emptyCache(),
  });
  assert.is(run.status, 1, run.stderr);
  assert.match(
    run.stderr,
    'go >= 1.26 (for fake-gcs-server v1.56.1) is missing or too old',
  );
  assert.match(
    run.stderr,
    /install it with `curl -fsSL https:\/\/go\.dev\/dl\/go1\.26\.\d+\.linux-amd64\.tar\.gz \| tar -C \/usr\/local -xz/,
  );
});

test("Debian 12's Go 1.19 is refused as too old", () => {
  const go119 =
    'case "$*" in "env GOVERSION") echo go1.19.8 ;; *) echo "go version go1.19.8 linux/amd64" ;; esac';
  const run = setup(pathWithout([], {go: go119}), {
    XDG_CACHE_HOME: emptyCache(),
  });
  assert.is(run.status, 1, run.stderr);
  assert.match(
    run.stderr,
    'this one is 1.19.8) is missing or too old: install it with `curl',
  );
});

test('a missing java names Java 17 and its package', () => {
  const run = setup(pathWithout(['java']));
  assert.is(run.status, 1, run.stderr);
  assert.match(
    run.stderr,
    'java 17 is missing or too old: install it with `apt-get install -y openjdk-17-jre-headless`',
  );
});

test('a missing npm names the package that brings it', () => {
  const run = setup(pathWithout(['npx', 'npm']));
  assert.is(run.status, 1, run.stderr);
  assert.match(
    run.stderr,
    'npm is missing or too old: install it with `apt-get install -y nodejs npm`',
  );
});

test('with everything present, --quiet prints nothing', () => {
  const run = spawnSync('/bin/bash', ['scripts/setup.sh', '--quiet'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout + run.stderr, '');
});

test('an unknown option is refused', () => {
  const run = spawnSync('/bin/bash', ['scripts/setup.sh', '--quite'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.is(run.status, 2);
  assert.match(run.stderr, 'unknown option --quite');
});

test.after(() => rmSync(scratch, {recursive: true, force: true}));
test.run();
