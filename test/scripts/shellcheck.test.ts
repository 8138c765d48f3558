/** shellcheck (a Debian package) on every shell script of the repository, sourced files followed. */
import {spawnSync} from 'node:child_process';
import {readdirSync, statSync} from 'node:fs';
import * as path from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {root} from './check-plan';

function shellScripts(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.'))
      return [];
    if (statSync(full).isDirectory()) return shellScripts(full);
    return name.endsWith('.sh') ? [path.relative(root, full)] : [];
  });
}

test('every shell script is shellcheck clean', () => {
  const probe = spawnSync('shellcheck', ['--version'], {encoding: 'utf8'});
  if (probe.status !== 0)
    throw new Error(
      'shellcheck is missing: install it with `apt-get install -y shellcheck` (scripts/setup.sh does)',
    );
  const scripts = [
    ...shellScripts(path.join(root, 'scripts')),
    ...shellScripts(path.join(root, 'local')),
    '.ci/run',
  ];
  assert.ok(
    scripts.includes('scripts/bootstrap.sh') &&
      scripts.includes('scripts/lib/gcloud.sh') &&
      scripts.includes('scripts/parts/generate.sh'),
    scripts.join(),
  );
  const run = spawnSync(
    'shellcheck',
    ['--external-sources', '--severity=style', ...scripts],
    {cwd: root, encoding: 'utf8'},
  );
  assert.is(run.status, 0, `${run.stdout}${run.stderr}`);
});

test.run();
