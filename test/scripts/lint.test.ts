/**
 * The lint (gts's ESLint rules and prettier with gts's settings, package.json's `lint` script):
 * it reaches every source file, it finds a fault when there is one, and the tree passes it.
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import * as path from 'node:path';
import {ESLint} from 'eslint';
import * as prettier from 'prettier';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {root} from './check-plan';

const bin = path.join(root, 'node_modules', '.bin');

function requireInstalled(): void {
  for (const tool of ['eslint', 'prettier']) {
    if (!existsSync(path.join(bin, tool)))
      throw new Error(
        `${tool} is missing from node_modules: run \`npm ci\` (scripts/setup.sh does)`,
      );
  }
}

/** The tracked .ts/.mjs/.js files, the tree the lint is for. */
function sourceFiles(): string[] {
  const run = spawnSync(
    'git',
    ['ls-files', '-z', '--', '*.ts', '*.mjs', '*.js'],
    {cwd: root, encoding: 'utf8'},
  );
  if (run.status !== 0)
    throw new Error(
      `git ls-files failed (the lint test needs a git checkout and git: \`apt-get install -y git\`): ${run.stderr}`,
    );
  return run.stdout.split('\0').filter(Boolean);
}

test('every source file is linted with gts rules and formatted with gts settings', async () => {
  requireInstalled();
  const files = sourceFiles();
  for (const dir of [
    'core/',
    'functions/',
    'job/',
    'flex-template/',
    'local/',
    'scripts/',
    'bench/',
    'test/',
    'changelog-archiver/',
  ]) {
    assert.ok(
      files.some(file => file.startsWith(dir) && file.endsWith('.ts')),
      `no .ts file under ${dir}`,
    );
  }
  assert.ok(files.includes('esbuild.config.mjs'));
  const eslint = new ESLint({cwd: root});
  const gtsPrettier = JSON.parse(
    readFileSync(
      path.join(root, 'node_modules', 'gts', '.prettierrc.json'),
      'utf8',
    ),
  ) as object;
  for (const file of files) {
    const full = path.join(root, file);
    assert.not.ok(await eslint.isPathIgnored(full), `eslint ignores ${file}`);
    const config = (await eslint.calculateConfigForFile(full)) as {
      rules?: Record<string, unknown>;
    };
    assert.ok(
      config.rules?.['prefer-const'],
      `gts's rules do not apply to ${file}`,
    );
    if (file.endsWith('.ts'))
      assert.ok(
        config.rules?.['@typescript-eslint/no-floating-promises'],
        `gts's type-aware rules do not apply to ${file}`,
      );
    const info = await prettier.getFileInfo(full, {
      ignorePath: [
        path.join(root, '.gitignore'),
        path.join(root, '.prettierignore'),
      ],
    });
    assert.not.ok(info.ignored, `prettier ignores ${file}`);
    assert.equal(
      await prettier.resolveConfig(full),
      gtsPrettier,
      `prettier settings of ${file}`,
    );
  }
});

test('the rules report a fault: an unused `var`', async () => {
  requireInstalled();
  const eslint = new ESLint({cwd: root});
  const [result] = await eslint.lintText('var unused = 1;\n', {
    filePath: path.join(root, 'scripts', 'lint-probe.mjs'),
  });
  const rules = (result?.messages ?? []).map(message => message.ruleId).sort();
  assert.equal(rules, ['no-unused-vars', 'no-var']);
});

test('npm run lint passes on the tree', async () => {
  requireInstalled();
  // package.json's script, run as npm runs it (sh, node_modules/.bin first on PATH), so that it
  // also runs where npm is absent (cloudbuild.yaml's test image).
  const script = (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts.lint;
  assert.type(script, 'string');
  const env = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    FORCE_COLOR: '0',
  };
  const {code, output} = await new Promise<{
    code: number | null;
    output: string;
  }>((resolve, reject) => {
    const child = spawn('sh', ['-c', script!], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', code => resolve({code, output}));
  });
  assert.is(
    code,
    0,
    `npm run lint failed (\`npm run fix\` rewrites what it can):\n${output}`,
  );
});

test.run();
