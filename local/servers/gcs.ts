import {spawnService, type ServiceProcess} from '../service-process';
import {waitUntil} from '../wait-until';

/** fake-gcs-server over plain http on loopback, objects kept in memory. */
export async function startGcs(
  fakeGcsServer: string,
  dir: string,
  port: number,
): Promise<ServiceProcess> {
  const url = `http://127.0.0.1:${port}`;
  const args = [
    '-scheme',
    'http',
    '-host',
    '127.0.0.1',
    '-port',
    String(port),
    '-backend',
    'memory',
  ];
  args.push(
    '-external-url',
    url,
    '-public-host',
    `127.0.0.1:${port}`,
    '-log-level',
    'warn',
  );
  const service = spawnService('gcs', fakeGcsServer, args, {dir});
  await waitUntil(service, 'answer to a bucket list', async () => {
    const response = await fetch(`${url}/storage/v1/b`, {
      signal: AbortSignal.timeout(2000),
    });
    await response.arrayBuffer();
    return response.ok;
  });
  return service;
}
