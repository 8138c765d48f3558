/**
 * Runs a deploy script in check mode (scripts/lib/gcloud.sh: every gcloud command through the real
 * gcloud's parser, nothing created) and reads back what it recorded.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '..', '..');

export interface PlannedCommand {
  /** bootstrap, deploy or destroy: the script that ran it. */
  script: string;
  args: string[];
  line: string;
}

export interface CheckRun {
  status: number | null;
  stdout: string;
  stderr: string;
  dir: string;
  commands: PlannedCommand[];
  passwords: string[];
}

export function requireGcloud(): void {
  const probe = spawnSync('gcloud', ['--version'], {encoding: 'utf8'});
  if (probe.status !== 0)
    throw new Error(
      'gcloud is missing: install the Google Cloud CLI (apt-get install -y google-cloud-cli)',
    );
}

export function runCheck(
  script: string,
  options: {input?: string; env?: Record<string, string>; timeoutMs: number},
): CheckRun {
  requireGcloud();
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-plan-'));
  const run = spawnSync('bash', [script], {
    cwd: root,
    encoding: 'utf8',
    input: options.input ?? '',
    env: {
      ...process.env,
      DEPLOY_CHECK: '1',
      DEPLOY_PLAN_DIR: dir,
      PROJECT_ID: 'finserv-check',
      IMAGE_TAG: 'check',
      ...options.env,
    },
    timeout: options.timeoutMs,
  });
  const file = path.join(dir, 'commands');
  const commands = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\x1e')
        .filter(record => record !== '')
        .map(record => {
          const [name, ...args] = record.split('\x1f').slice(0, -1);
          return {script: name!, args, line: args.join(' ')};
        })
    : [];
  const passwordsFile = path.join(dir, 'check-passwords');
  const passwords = existsSync(passwordsFile)
    ? readFileSync(passwordsFile, 'utf8').split('\n').filter(Boolean)
    : [];
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    dir,
    commands,
    passwords,
  };
}

/** `--name=value` of a command, or undefined. */
export function flag(
  command: PlannedCommand,
  name: string,
): string | undefined {
  const prefix = `--${name}=`;
  return command.args.find(arg => arg.startsWith(prefix))?.slice(prefix.length);
}

export const isBinding = (command: PlannedCommand): boolean =>
  command.args.some(arg =>
    /^(add|remove)-(iam|invoker)-policy-binding$|^set-iam-policy$/.test(arg),
  );
