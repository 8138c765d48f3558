/**
 * Launching on Dataflow, as a real process through the launcher shim (flex-template/launcher/main.py)
 * and the pinned Python Dataflow job service, with local paths and a stand-in for Google's HTTP APIs
 * (so no credentials or network are needed):
 * - the flex-template launcher contract: with --template_location the job file is written there and
 *   the launch exits 0, each Dataflow option in the job file with its type;
 * - direct submission from a terminal (no template_location) returns once Dataflow created the job.
 */
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawn} from 'node:child_process';
import {generateKeyPairSync} from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as http from 'node:http';
import type {AddressInfo} from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {beamPython} from '../../flex-template/python-job-service';
import {buildFlexBundle} from './flex-bundle';

const ROOT = path.join(__dirname, '../..');
let dir: string;
let api: http.Server;
let apiUrl: string;
const createdJobs: {url: string; body: Record<string, unknown>}[] = [];

test.before(async () => {
  // The shim runs the bundle, as in the launcher image.
  buildFlexBundle();
  dir = mkdtempSync(path.join(os.tmpdir(), 'flex-dataflow-'));
  for (const sub of ['tmp', 'staging']) mkdirSync(path.join(dir, sub));
  // Google's token endpoint and the Dataflow jobs API, as far as a submission uses them.
  api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/token') {
        res.end(
          JSON.stringify({
            access_token: 'local-token',
            token_type: 'Bearer',
            expires_in: 3600,
          }),
        );
      } else if (
        req.method === 'POST' &&
        /\/v1b3\/projects\/[^/]+\/locations\/[^/]+\/jobs/.test(req.url ?? '')
      ) {
        const job = JSON.parse(body) as Record<string, unknown>;
        createdJobs.push({url: req.url!, body: job});
        res.end(
          JSON.stringify({
            ...job,
            id: '2026-12-01_00_00_00-1234567890',
            currentState: 'JOB_STATE_PENDING',
          }),
        );
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
  });
  await new Promise<void>(resolve => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  // Application default credentials (a throwaway service-account key) whose token comes from the stand-in.
  const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
  writeFileSync(
    path.join(dir, 'adc.json'),
    JSON.stringify({
      type: 'service_account',
      project_id: 'my-project',
      client_email: 'launcher@my-project.iam.gserviceaccount.com',
      private_key_id: 'local',
      private_key: privateKey.export({type: 'pkcs8', format: 'pem'}),
      token_uri: `${apiUrl}/token`,
    }),
  );
});

test.after(() => {
  api?.close();
  rmSync(dir, {recursive: true, force: true});
});

function launch(
  args: string[],
): Promise<{status: number | null; output: string}> {
  const child = spawn(
    'python3',
    [path.join(ROOT, 'flex-template/launcher/main.py'), ...args],
    {
      env: {
        ...process.env,
        GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'adc.json'),
        FLEX_BEAM_PYTHON: beamPython(process.env),
        FLEX_APP_DIR: ROOT,
        FLEX_WORKER_IMAGE:
          'europe-docker.pkg.dev/my-project/repo/flex-worker@sha256:' +
          'a'.repeat(64),
        PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
      },
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  return new Promise(resolve =>
    child.on('close', status => {
      clearTimeout(timer);
      resolve({status, output});
    }),
  );
}

const common = () => [
  '--input=gs://bucket-x/summaries/',
  '--project=my-project',
  '--region=europe-west1',
  `--temp_location=${dir}/tmp`,
  `--staging_location=${dir}/staging`,
];

test('with --template_location the launch writes the job file, typed options in it, and exits 0', async () => {
  const jobFile = path.join(dir, 'job_object');
  const run = await launch([
    ...common(),
    `--template_location=${jobFile}`,
    '--job_name=summaries-to-bigtable-1',
    '--num_workers=1',
    '--max_num_workers=3',
    '--disk_size_gb=30',
    '--use_public_ips=false',
    '--experiments=shuffle_mode=service,enable_data_sampling',
    '--dataflow_service_options=enable_prime',
    '--machine_type=n2-standard-2',
    '--autoscaling_algorithm=THROUGHPUT_BASED',
    '--labels=team=fin,app=summaries',
    '--service_account_email=loader@my-project.iam.gserviceaccount.com',
    '--network=net-1',
    '--subnetwork=regions/europe-west1/subnetworks/sub-1',
    '--worker_zone=europe-west1-b',
    '--dataflow_kms_key=projects/my-project/locations/europe-west1/keyRings/r/cryptoKeys/k',
  ]);
  assert.is(run.status, 0, run.output);
  assert.match(run.output, `job file written to ${jobFile}`);
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as {
    name: string;
    labels: Record<string, string>;
    environment: {
      experiments: string[];
      serviceOptions?: string[];
      serviceAccountEmail: string;
      serviceKmsKeyName: string;
      workerZone: string;
      workerPools: Record<string, unknown>[];
    };
  };
  assert.is(job.name, 'summaries-to-bigtable-1');
  assert.equal(job.labels, {team: 'fin', app: 'summaries'});
  const env = job.environment;
  for (const e of [
    'shuffle_mode=service',
    'enable_data_sampling',
    'use_sibling_sdk_workers',
    'use_runner_v2',
  ]) {
    assert.ok(
      env.experiments.includes(e),
      `experiment ${e} in ${env.experiments.join(', ')}`,
    );
  }
  assert.equal(env.serviceOptions, ['enable_prime']);
  assert.is(
    env.serviceAccountEmail,
    'loader@my-project.iam.gserviceaccount.com',
  );
  assert.is(
    env.serviceKmsKeyName,
    'projects/my-project/locations/europe-west1/keyRings/r/cryptoKeys/k',
  );
  assert.is(env.workerZone, 'europe-west1-b');
  const pool = env.workerPools[0]!;
  assert.is(pool.numWorkers, 1);
  assert.is(pool.diskSizeGb, 30);
  assert.is(pool.ipConfiguration, 'WORKER_IP_PRIVATE');
  assert.is(pool.machineType, 'n2-standard-2');
  assert.is(pool.network, 'net-1');
  assert.is(pool.subnetwork, 'regions/europe-west1/subnetworks/sub-1');
  assert.equal(pool.autoscalingSettings, {
    algorithm: 'AUTOSCALING_ALGORITHM_BASIC',
    maxNumWorkers: 3,
  });
  const image = (
    pool.sdkHarnessContainerImages as {containerImage: string}[]
  )[0]!.containerImage;
  assert.match(image, /@sha256:a{64}$/, 'the worker image by digest');
  assert.is(createdJobs.length, 0, 'nothing was sent to Dataflow');

  const publicIps = await launch([
    ...common(),
    `--template_location=${jobFile}`,
    '--no_use_public_ips=false',
    '--use_public_ips=true',
  ]);
  assert.is(publicIps.status, 0, publicIps.output);
  const again = JSON.parse(readFileSync(jobFile, 'utf8')) as {
    environment: {workerPools: {ipConfiguration: string}[]};
  };
  assert.is(
    again.environment.workerPools[0]!.ipConfiguration,
    'WORKER_IP_PUBLIC',
  );
});

test('a bad typed option exits 2 naming it', async () => {
  const run = await launch([
    ...common(),
    `--template_location=${dir}/x`,
    '--num_workers=one',
  ]);
  assert.is(run.status, 2, run.output);
  assert.match(
    run.output,
    /--num_workers: \\"one\\" is invalid/,
    'logged as a JSON line',
  );
});

test('without --template_location the job is submitted to Dataflow and the launch returns its id', async () => {
  const run = await launch([
    ...common(),
    `--dataflow_endpoint=${apiUrl}`,
    '--job_name=summaries-direct',
  ]);
  assert.is(run.status, 0, run.output);
  assert.match(
    run.output,
    'Dataflow job 2026-12-01_00_00_00-1234567890 created',
  );
  assert.is(createdJobs.length, 1);
  assert.match(
    createdJobs[0]!.url,
    '/v1b3/projects/my-project/locations/europe-west1/jobs',
  );
  assert.is(createdJobs[0]!.body.name, 'summaries-direct');
});

test.run();
