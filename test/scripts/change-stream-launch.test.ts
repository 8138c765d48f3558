/**
 * Rerunning bootstrap never starts a second change-stream job: `launch_change_stream`
 * (scripts/parts/changelog.sh) run for real (not check mode) against the states Dataflow can be
 * in. Dataflow has no emulator, so its job list is played by a `gcloud` first on PATH that answers
 * `dataflow jobs list` from the environment and records every call; the real gcloud parses the
 * same command lines in test/scripts/plan.test.ts.
 */
import {spawnSync} from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {root} from './check-plan';

const dir = mkdtempSync(path.join(tmpdir(), 'change-stream-launch-'));
const calls = path.join(dir, 'calls');
writeFileSync(
  path.join(dir, 'gcloud'),
  `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"${calls}"
case "$*" in
  "dataflow jobs list"*"--status=active"*) [ -z "$FAKE_ACTIVE" ] || echo "$FAKE_ACTIVE" ;;
  "dataflow jobs list"*"--status=terminated"*) [ -z "$FAKE_TERMINATED" ] || echo "$FAKE_TERMINATED" ;;
esac
`,
);
chmodSync(path.join(dir, 'gcloud'), 0o755);

test.after(() => rmSync(dir, {recursive: true, force: true}));

/** The gcloud calls of one `launch_change_stream` in a project whose Dataflow jobs are as given. */
function launch(state: {
  active?: string;
  terminated?: string;
  update?: boolean;
}): {launches: string[]; stderr: string} {
  rmSync(calls, {force: true});
  const run = spawnSync(
    'bash',
    [
      '-c',
      'source scripts/lib/gcloud.sh; source scripts/lib/settings.sh; launch_change_stream',
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${dir}${path.delimiter}${process.env.PATH}`,
        PROJECT_ID: 'finserv-check',
        IMAGE_TAG: 'check',
        DEPLOY_CHECK: '',
        FAKE_ACTIVE: state.active ?? '',
        FAKE_TERMINATED: state.terminated ?? '',
        CHANGE_STREAM_UPDATE: state.update ? '1' : '',
      },
    },
  );
  assert.is(run.status, 0, run.stderr);
  const lines = readFileSync(calls, 'utf8').trim().split('\n');
  assert.ok(
    lines.some(
      l =>
        l.startsWith('dataflow jobs list') &&
        l.includes('--status=active') &&
        l.includes('--filter=name=bit-table-transaction-updates'),
    ),
    lines.join('\n'),
  );
  return {
    launches: lines.filter(l => l.startsWith('dataflow flex-template run')),
    stderr: run.stderr,
  };
}

const resume = (line: string) =>
  /bigtableChangeStreamResume=(\w+)/.exec(line)?.[1];

test('the first bootstrap launches the job, starting a new change stream reader (resume=false)', () => {
  const {launches} = launch({});
  assert.is(launches.length, 1);
  assert.match(
    launches[0]!,
    /^dataflow flex-template run bit-table-transaction-updates /,
  );
  assert.not.match(launches[0]!, '--update');
  assert.is(resume(launches[0]!), 'false');
});

test('a rerun with the job running leaves it: no launch at all', () => {
  const {launches, stderr} = launch({active: '2026-12-01_01_02_03-123'});
  assert.equal(launches, []);
  assert.match(
    stderr,
    'bit-table-transaction-updates is running (2026-12-01_01_02_03-123): left as it is',
  );
});

test('with CHANGE_STREAM_UPDATE=1 the running job is updated in place, never launched beside it', () => {
  const {launches} = launch({active: '2026-12-01_01_02_03-123', update: true});
  assert.is(launches.length, 1);
  assert.match(launches[0]!, ' --update ');
  assert.is(resume(launches[0]!), 'true');
});

test('after the job stopped (drained, failed), a rerun launches one that resumes where it stopped', () => {
  const {launches} = launch({terminated: '2026-11-30_01_02_03-99'});
  assert.is(launches.length, 1);
  assert.not.match(launches[0]!, '--update');
  assert.is(resume(launches[0]!), 'true');
});

test.run();
