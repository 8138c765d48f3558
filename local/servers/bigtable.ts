import {grpcUnaryStatus} from '../grpc-probe';
import {spawnService, type ServiceProcess} from '../service-process';
import {waitUntil} from '../wait-until';

/** cbtemulator, started directly (killing `gcloud beta emulators` would orphan it). */
export async function startBigtable(
  cbtemulator: string,
  dir: string,
  port: number,
): Promise<ServiceProcess> {
  const service = spawnService(
    'bigtable',
    cbtemulator,
    ['-host', '127.0.0.1', '-port', String(port)],
    {dir},
  );
  const address = `127.0.0.1:${port}`;
  await waitUntil(service, 'answer to ListTables', async () => {
    const status = await grpcUnaryStatus(
      address,
      '/google.bigtable.admin.v2.BigtableTableAdmin/ListTables',
      'projects/probe/instances/probe',
    );
    return status === 0;
  });
  return service;
}
