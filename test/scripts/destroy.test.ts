/** scripts/destroy.sh in check mode: it asks for the project id again, and removes what bootstrap made. */
import {rmSync} from 'node:fs';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {flag, runCheck} from './check-plan';

test('a project id not typed again exactly deletes nothing', () => {
  const run = runCheck('scripts/destroy.sh', {
    input: 'finserv-chek\n',
    timeoutMs: 60_000,
  });
  try {
    assert.is(run.status, 1);
    assert.match(
      run.stderr,
      '"finserv-chek" is not "finserv-check": nothing deleted',
    );
    assert.equal(run.commands, []);
  } finally {
    rmSync(run.dir, {recursive: true, force: true});
  }
});

test('typed again: every delete parses, the accounts and their project roles go', () => {
  const run = runCheck('scripts/destroy.sh', {
    input: 'finserv-check\n',
    timeoutMs: 10 * 60_000,
  });
  try {
    assert.is(run.status, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
    assert.match(
      run.stdout,
      /destroy check: \d+ gcloud commands parsed by the real gcloud, none refused/,
    );
    const lines = run.commands.map(c => c.line);
    for (const expected of [
      'functions delete httpGenerate',
      'functions delete pubsubReplicate',
      'functions delete bigtableToAvro',
      'scheduler jobs delete avro-sweep-hourly',
      'pubsub topics delete transactions-replicated-dead-letter',
      'run jobs delete daily-summary',
      'scheduler jobs delete flex-template-0200',
      'builds triggers delete finserv-main',
      'sql instances delete fin-serv-instance',
      'bigtable instances delete fin-bt',
      'iam service-accounts delete fs-deployer@finserv-check.iam.gserviceaccount.com',
      'secrets delete fin_serv_admin_db_password',
    ]) {
      assert.ok(
        lines.some(l => l.startsWith(expected)),
        `${expected} is not in the plan`,
      );
    }
    const removed = run.commands
      .filter(c => c.line.startsWith('projects remove-iam-policy-binding'))
      .map(c => `${flag(c, 'member')} ${flag(c, 'role')}`);
    assert.ok(
      removed.includes(
        'serviceAccount:fs-deployer@finserv-check.iam.gserviceaccount.com roles/cloudfunctions.developer',
      ),
      removed.join('\n'),
    );
    assert.ok(
      removed.includes(
        'serviceAccount:fs-dataflow@finserv-check.iam.gserviceaccount.com roles/dataflow.worker',
      ),
    );
  } finally {
    rmSync(run.dir, {recursive: true, force: true});
  }
});

test.run();
