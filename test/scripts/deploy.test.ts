/**
 * scripts/deploy.sh against the real gcloud CLI's argument parser (DEPLOY_CHECK=1): every gcloud
 * command it would run must parse. No account, no network: gcloud refuses a bad flag with exit 2
 * before any call, and fails a well-formed command later for want of credentials.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(__dirname, '..', '..');

function gcloudAvailable(): void {
  const probe = spawnSync('gcloud', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error('gcloud is missing: install the Google Cloud CLI (apt-get install -y google-cloud-cli)');
}

function runDeployCheck(script: string) {
  return spawnSync('bash', [script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DEPLOY_CHECK: '1', PROJECT_ID: 'finserv-check', IMAGE_TAG: 'check' },
    timeout: 8 * 60_000,
  });
}

test('every gcloud command of deploy.sh parses', () => {
  gcloudAvailable();
  const run = runDeployCheck('scripts/deploy.sh');
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const summary = /deploy check: (\d+) gcloud commands parsed by the real gcloud, none refused/.exec(run.stdout);
  assert.ok(summary, run.stdout);
  assert.ok(Number(summary[1]) >= 60, `only ${summary[1]} commands checked`);
  for (const part of ['functions deploy httpGenerate', 'functions deploy pubsubReplicate', 'run jobs deploy daily-summary', 'dataflow flex-template build', 'scheduler jobs create http']) {
    assert.match(run.stderr, `checked: gcloud ${part}`);
  }
  assert.not.match(run.stderr, /--password=(?!\[redacted\])/, 'a password reached the output');
});

test('the check catches a misspelt flag', () => {
  gcloudAvailable();
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-check-'));
  try {
    const broken = path.join(dir, 'deploy.sh');
    const original = readFileSync(path.join(root, 'scripts', 'deploy.sh'), 'utf8');
    assert.ok(original.includes('--enable-bin-log'));
    writeFileSync(broken, original.replace("cd \"$(dirname \"$0\")/..\"", `cd ${JSON.stringify(root)}`).replace('--enable-bin-log', '--enable-binary-log'));
    const run = runDeployCheck(broken);
    assert.is.not(run.status, 0);
    assert.match(run.stderr, 'deploy check: gcloud sql instances create');
    assert.match(run.stderr, 'unrecognized arguments');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
