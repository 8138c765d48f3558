/**
 * The worker entry point in Beam's container contract, against a stand-in runner (provision and
 * control services over gRPC): one SDK worker per worker id, the container's own and every sibling
 * id the provision info lists, each connecting to the control service under its id.
 */
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawn} from 'node:child_process';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {beamFnControlDefinition} from 'apache-beam/proto/beam_fn_api.grpc-server';
import {
  GetProvisionInfoResponse,
  ProvisionInfo,
} from 'apache-beam/proto/beam_provision_api';
import {provisionServiceDefinition} from 'apache-beam/proto/beam_provision_api.grpc-server';
import {Struct} from 'apache-beam/proto/google/protobuf/struct';

const BOOT = path.join(__dirname, '../../flex-template/worker/boot.ts');

test('the worker starts one SDK worker per sibling worker id, and ends when they all have', async () => {
  const connected: string[] = [];
  const provisioned: string[] = [];
  const server = new grpc.Server();
  /* eslint-disable @typescript-eslint/no-explicit-any */
  server.addService(provisionServiceDefinition as any, {
    getProvisionInfo(
      call: grpc.ServerUnaryCall<any, any>,
      callback: grpc.sendUnaryData<any>,
    ) {
      provisioned.push(String(call.metadata.get('worker_id')[0]));
      callback(
        null,
        GetProvisionInfoResponse.create({
          info: ProvisionInfo.create({
            siblingWorkerIds: ['sdk-1', 'sdk-2'],
            pipelineOptions: Struct.fromJson({}),
          }),
        }),
      );
    },
  });
  server.addService(beamFnControlDefinition as any, {
    control(call: grpc.ServerDuplexStream<any, any>) {
      connected.push(String(call.metadata.get('worker_id')[0]));
      // The runner is done with this worker: close its control stream.
      setTimeout(() => call.end(), 200);
    },
  });
  /* eslint-enable @typescript-eslint/no-explicit-any */
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      grpc.ServerCredentials.createInsecure(),
      (err, p) => (err ? reject(err) : resolve(p)),
    ),
  );
  try {
    const endpoint = `127.0.0.1:${port}`;
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        BOOT,
        '--id=sdk-0',
        `--provision_endpoint=${endpoint}`,
        `--control_endpoint=${endpoint}`,
      ],
      {
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>(resolve => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('exit', c => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.is(code, 0, output);
    assert.equal(
      [...connected].sort(),
      ['sdk-0', 'sdk-1', 'sdk-2'],
      'one control connection per worker id',
    );
    assert.equal([...provisioned].sort(), ['sdk-0', 'sdk-1', 'sdk-2']);
  } finally {
    server.forceShutdown();
  }
});

test.run();
