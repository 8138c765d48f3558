import {Bigtable} from '@google-cloud/bigtable';

/**
 * The one way this project makes a Bigtable client.
 *
 * @google-cloud/bigtable 7 exports client-side metrics to Cloud Monitoring once a minute by default.
 * Off Google Cloud (the emulator) there are no credentials and that export throws outside any
 * handler about 60 s after the first request, killing the process; in the cloud it needs an extra
 * role (monitoring.metricWriter) on every service account. So metrics are off unless asked for.
 */
export function createBigtableClient(
  options: {projectId?: string; clientMetrics?: boolean} = {},
): Bigtable {
  return new Bigtable({
    ...(options.projectId ? {projectId: options.projectId} : {}),
    metricsEnabled: options.clientMetrics ?? false,
  });
}
