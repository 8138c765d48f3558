/**
 * cloudbuild.yaml (what a push to main runs) and flex-template/cloudbuild.yaml (a nested build),
 * read as Cloud Build reads them: every step names its image, every substitution used is defined
 * (or one Cloud Build provides), and the tests run before the deploy, which nothing lets start early.
 */
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {parse} from 'yaml';
import {root} from './check-plan';

interface Step {
  id?: string;
  name?: string;
  entrypoint?: string;
  args?: string[];
  env?: string[];
  waitFor?: string[];
}
interface BuildConfig {
  steps: Step[];
  substitutions?: Record<string, string>;
  serviceAccount?: string;
  logsBucket?: string;
  options?: {logging?: string};
  images?: string[];
}

/** Substitutions Cloud Build defines itself (builds from triggers and `gcloud builds submit`). */
const BUILT_IN = new Set([
  'PROJECT_ID',
  'PROJECT_NUMBER',
  'BUILD_ID',
  'LOCATION',
  'TRIGGER_NAME',
  'COMMIT_SHA',
  'REVISION_ID',
  'SHORT_SHA',
  'REPO_NAME',
  'REPO_FULL_NAME',
  'BRANCH_NAME',
  'TAG_NAME',
  'REF_NAME',
  'TRIGGER_BUILD_CONFIG_PATH',
  'SERVICE_ACCOUNT_EMAIL',
  'SERVICE_ACCOUNT',
]);

const load = (file: string): BuildConfig =>
  parse(readFileSync(path.join(root, file), 'utf8')) as BuildConfig;

function substitutionsUsed(config: BuildConfig): string[] {
  const text = JSON.stringify({...config, substitutions: undefined});
  return [...text.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g)].map(m => m[1]!);
}

test('cloudbuild.yaml: images, substitutions, account and logs', () => {
  const config = load('cloudbuild.yaml');
  assert.ok(config.steps.length >= 4);
  for (const step of config.steps)
    assert.match(
      step.name ?? '',
      /^[a-z0-9.\-/]+(:[A-Za-z0-9._-]+)?$/,
      `step ${step.id} names no image`,
    );
  for (const name of substitutionsUsed(config)) {
    assert.ok(
      BUILT_IN.has(name) ||
        (name.startsWith('_') && config.substitutions?.[name] !== undefined),
      `substitution ${name} is not defined`,
    );
  }
  assert.is(
    config.serviceAccount,
    'projects/$PROJECT_ID/serviceAccounts/fs-deployer@$PROJECT_ID.iam.gserviceaccount.com',
  );
  assert.ok(
    config.options?.logging === 'CLOUD_LOGGING_ONLY' || config.logsBucket,
    'a build under its own account needs CLOUD_LOGGING_ONLY or a logs bucket',
  );
});

test('cloudbuild.yaml: install, typecheck and the tests run before the deploy, which waits for them', () => {
  const {steps} = load('cloudbuild.yaml');
  const index = (match: (s: Step) => boolean, what: string) => {
    const i = steps.findIndex(match);
    assert.ok(i >= 0, `no ${what} step`);
    return i;
  };
  const install = index(
    s => s.entrypoint === 'npm' && s.args?.[0] === 'ci',
    'npm ci',
  );
  const typecheck = index(
    s => s.args?.includes('typecheck') ?? false,
    'typecheck',
  );
  const tests = index(
    s => (s.args ?? []).some(a => a.includes('test/run.ts')),
    'test',
  );
  const deploy = index(
    s => s.args?.includes('scripts/deploy.sh') ?? false,
    'deploy',
  );
  assert.ok(
    install < typecheck && typecheck < tests && tests < deploy,
    `order: ${install} ${typecheck} ${tests} ${deploy}`,
  );
  // Steps without waitFor start when every step before them has succeeded; waitFor could let a
  // step start early, so no step uses it.
  assert.ok(
    steps.every(s => s.waitFor === undefined),
    'a step with waitFor could run before the tests passed',
  );
  assert.ok((steps[deploy]!.env ?? []).includes('PROJECT_ID=$PROJECT_ID'));
});

test('flex-template/cloudbuild.yaml: images, and the substitutions the deploy passes', () => {
  const config = load('flex-template/cloudbuild.yaml');
  for (const step of config.steps)
    assert.ok(step.name, 'a step names no image');
  const passed = new Set(['_REPO', '_TAG', '_NODE_IMAGE', '_LAUNCHER_BASE']); // scripts/parts/flex_template.sh passes these
  const part = readFileSync(
    path.join(root, 'scripts/parts/flex_template.sh'),
    'utf8',
  );
  assert.match(
    part,
    '--substitutions="_REPO=${REGISTRY},_TAG=${IMAGE_TAG},_NODE_IMAGE=${FLEX_NODE_IMAGE:-},_LAUNCHER_BASE=${FLEX_LAUNCHER_BASE:-}"',
  );
  for (const name of substitutionsUsed(config)) {
    assert.ok(
      BUILT_IN.has(name) ||
        passed.has(name) ||
        config.substitutions?.[name] !== undefined,
      `substitution ${name} is not defined`,
    );
  }
});

test.run();
