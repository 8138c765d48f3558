import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grpcUnaryStatus } from '../grpc-probe';
import { spawnService, type ServiceProcess } from '../service-process';
import { waitUntil } from '../wait-until';

/** gcloud's Pub/Sub emulator (Java); its shell wrapper execs java, so the PID is the JVM's. */
export async function startPubsub(emulator: string, dir: string, port: number): Promise<ServiceProcess> {
  const service = spawnService('pubsub', emulator, ['--host=127.0.0.1', `--port=${port}`], {
    dir,
    env: {
      ...process.env,
      // The emulator is short-lived and small: skip the JIT's optimising tier, it only slows start-up.
      JAVA_OPTS: `${process.env.JAVA_OPTS ?? ''} -XX:TieredStopAtLevel=1 -Xss1m`.trim(),
    },
  });
  await waitUntil(service, '"Server started" in its log', async () =>
    readFileSync(join(dir, 'pubsub.log'), 'utf8').includes('Server started'),
  );
  await waitUntil(service, 'answer to ListTopics', async () => {
    const status = await grpcUnaryStatus(`127.0.0.1:${port}`, '/google.pubsub.v1.Publisher/ListTopics', 'projects/probe');
    return status === 0;
  });
  return service;
}
