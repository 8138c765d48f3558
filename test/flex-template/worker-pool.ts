/**
 * A Beam external worker pool for the portable-runner test: for each StartWorker request it starts
 * flex-template/worker/boot.ts as its own process, with the same arguments a runner gives the worker
 * container. Run as a script it prints `pool ready HOST:PORT` and serves until killed.
 * The workers' stdout and stderr are kept, not printed: a bundle that fails on purpose logs its
 * error with a stack (Beam's `PROCESS ERROR`), which a test reads with `takeOutput()` (and puts in
 * an assertion's message when a run ends otherwise than expected).
 */
import {spawn, type ChildProcess} from 'node:child_process';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {beamFnExternalWorkerPoolDefinition} from 'apache-beam/proto/beam_fn_api.grpc-server';
import type {
  StartWorkerRequest,
  StartWorkerResponse,
  StopWorkerRequest,
  StopWorkerResponse,
} from 'apache-beam/proto/beam_fn_api';

const BOOT = path.join(__dirname, '../../flex-template/worker/boot.ts');

export interface WorkerPool {
  address: string;
  /** What the workers wrote since the last call. */
  takeOutput(): string;
  stop(): Promise<void>;
}

export async function startWorkerPool(): Promise<WorkerPool> {
  const workers = new Map<string, ChildProcess>();
  let output = '';
  const keep = (chunk: Buffer) => void (output += chunk.toString());
  const server = new grpc.Server();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const definition = beamFnExternalWorkerPoolDefinition as any;
  server.addService(definition, {
    startWorker(
      call: grpc.ServerUnaryCall<StartWorkerRequest, StartWorkerResponse>,
      callback: grpc.sendUnaryData<StartWorkerResponse>,
    ) {
      const r = call.request;
      const args = [
        `--id=${r.workerId}`,
        `--control_endpoint=${r.controlEndpoint?.url}`,
        `--provision_endpoint=${r.provisionEndpoint?.url}`,
        `--logging_endpoint=${r.loggingEndpoint?.url}`,
        `--artifact_endpoint=${r.artifactEndpoint?.url}`,
      ];
      const child = spawn(
        process.execPath,
        [...process.execArgv, BOOT, ...args],
        {stdio: ['ignore', 'pipe', 'pipe'], env: process.env},
      );
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      workers.set(r.workerId, child);
      child.on('exit', () => workers.delete(r.workerId));
      callback(null, {error: ''});
    },
    stopWorker(
      call: grpc.ServerUnaryCall<StopWorkerRequest, StopWorkerResponse>,
      callback: grpc.sendUnaryData<StopWorkerResponse>,
    ) {
      workers.get(call.request.workerId)?.kill();
      callback(null, {error: ''});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      grpc.ServerCredentials.createInsecure(),
      (err, p) => (err ? reject(err) : resolve(p)),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    takeOutput() {
      const taken = output;
      output = '';
      return taken;
    },
    async stop() {
      for (const child of workers.values()) child.kill();
      server.forceShutdown();
    },
  };
}
