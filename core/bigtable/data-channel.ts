import {type ClientReadableStream, Metadata, status} from '@grpc/grpc-js';
import {type Bigtable, v2} from '@google-cloud/bigtable';

/**
 * The official client's own data-API gRPC stub (its endpoint, credentials, channel pool and
 * keepalive: the emulator or Google's, as the client was configured), for the calls this project
 * makes in protobuf's wire format (row-stream.ts, mutate-entries.ts): request bytes in, response
 * bytes out, no generated objects.
 */
export interface DataStub {
  makeServerStreamRequest(
    method: string,
    serialize: (value: Buffer) => Buffer,
    deserialize: (value: Buffer) => Buffer,
    argument: Buffer,
    metadata: Metadata,
    options: {deadline?: number},
  ): ClientReadableStream<Buffer>;
}

/** What calls on one client's tables need, resolved once per Bigtable client. */
export interface DataChannel {
  stub: DataStub;
  projectId: string;
  appProfileId?: string;
}

const channels = new WeakMap<Bigtable, Promise<DataChannel>>();

/** The client's data-API stub, made the way the client makes it on its first request. */
export function dataChannelOf(bigtable: Bigtable): Promise<DataChannel> {
  let channel = channels.get(bigtable);
  if (!channel) {
    channel = (async () => {
      let gapic = bigtable.api.BigtableClient as v2.BigtableClient | undefined;
      if (!gapic) {
        gapic = new v2.BigtableClient(bigtable.options.BigtableClient);
        bigtable.api.BigtableClient = gapic;
      }
      const [stub, projectId] = await Promise.all([
        gapic.initialize().then(() => gapic.bigtableStub!),
        bigtable.shouldReplaceProjectIdToken
          ? bigtable.auth.getProjectId()
          : bigtable.projectId,
      ]);
      return {
        stub: stub as unknown as DataStub,
        projectId,
        ...(bigtable.appProfileId ? {appProfileId: bigtable.appProfileId} : {}),
      };
    })();
    channels.set(bigtable, channel);
    channel.catch(() => channels.delete(bigtable));
  }
  return channel;
}

/** The routing header the API wants on a table's calls (the generated client sets the same). */
export function routingHeader(
  tableName: string,
  channel: DataChannel,
): Metadata {
  const metadata = new Metadata();
  metadata.set(
    'x-goog-request-params',
    `table_name=${encodeURIComponent(tableName)}${channel.appProfileId ? `&app_profile_id=${encodeURIComponent(channel.appProfileId)}` : ''}`,
  );
  return metadata;
}

/** The table's full name, the project filled in where the client was made without one. */
export function tableNameOf(name: string, channel: DataChannel): string {
  return name.replace('{{projectId}}', channel.projectId);
}

/**
 * The statuses the client retries its reads and writes on (DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
 * ABORTED, UNAVAILABLE), and its back-off: from 10 ms, doubling, at most 60 s, each wait jittered.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set<number>([
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.ABORTED,
  status.UNAVAILABLE,
]);

export class Backoff {
  private nextMs = 10;

  /** The next wait, jittered; each one doubles, up to 60 s. */
  next(): number {
    const wait = this.nextMs * (0.5 + Math.random());
    this.nextMs = Math.min(60_000, this.nextMs * 2);
    return wait;
  }

  reset(): void {
    this.nextMs = 10;
  }
}
