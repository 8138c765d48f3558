import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {grpcUnaryStatus} from '../grpc-probe';
import {spawnService, type ServiceProcess} from '../service-process';
import {waitUntil} from '../wait-until';

/** gcloud's Pub/Sub emulator (Java); its shell wrapper execs java, so the PID is the JVM's. */
export async function startPubsub(
  emulator: string,
  dir: string,
  port: number,
): Promise<ServiceProcess> {
  const service = spawnService(
    'pubsub',
    emulator,
    ['--host=127.0.0.1', `--port=${port}`],
    {
      dir,
      env: {
        ...process.env,
        // Skipping the JIT's optimising tier starts it ~0.4 s sooner (1.1 s instead of 1.5 s).
        // JAVA_OPTS from the caller come after, so they win (e.g. -XX:TieredStopAtLevel=4 for benchmarks).
        JAVA_OPTS:
          `-XX:TieredStopAtLevel=1 ${process.env.JAVA_OPTS ?? ''}`.trim(),
      },
    },
  );
  await waitUntil(service, '"Server started" in its log', async () =>
    readFileSync(join(dir, 'pubsub.log'), 'utf8').includes('Server started'),
  );
  await waitUntil(service, 'answer to ListTopics', async () => {
    const status = await grpcUnaryStatus(
      `127.0.0.1:${port}`,
      '/google.pubsub.v1.Publisher/ListTopics',
      'projects/probe',
    );
    return status === 0;
  });
  return service;
}
