import {type Env, readConfig} from '../../core/config';
import type {PublicationOptions} from '../../core/publication/publish-transactions';
import {readFunctionProject} from '../../core/function-entry';
import {readBigtableNames} from '../../core/resource-config';
import type {Resources} from '../../core/resources';

/** bigtableToAvro's configuration, read from the environment once when the instance starts. */
export interface AvroPublishConfig {
  project: string;
  bigtable: Resources['bigtable'];
  avroTopic: string;
  publishTimeoutMs: number;
  options: Omit<PublicationOptions, 'now' | 'afterPublish'>;
}

const TOPIC = /^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$/;

export function readAvroPublishConfig(env: Env): AvroPublishConfig {
  return readConfig(env, read => {
    const {project, resources} = readFunctionProject(read);
    return {
      project,
      bigtable: readBigtableNames(read, resources.bigtable),
      avroTopic: read.string('AVRO_TOPIC', {
        default: resources.pubsub.avroTopic,
        pattern: TOPIC,
        description: 'a Pub/Sub topic id',
      }),
      publishTimeoutMs: read.integer('PUBLISH_TIMEOUT_MS', {
        default: 60_000,
        min: 100,
        max: 600_000,
      }),
      options: {
        chunkSize: read.integer('PUBLISH_CHUNK_SIZE', {
          default: 500,
          min: 1,
          max: 10_000,
        }),
        // One cell a mark: far below MutateRows' 100,000 mutations a request.
        markBatchSize: read.integer('PUBLISH_MARK_BATCH', {
          default: 2500,
          min: 1,
          max: 50_000,
        }),
        leaseTtlMs:
          read.integer('PUBLISH_LEASE_SECONDS', {
            default: 120,
            min: 1,
            max: 3600,
          }) * 1000,
        leasePollMs: read.integer('PUBLISH_LEASE_POLL_MS', {
          default: 1000,
          min: 10,
          max: 60_000,
        }),
        initialLookbackMs:
          read.integer('PUBLISH_LOOKBACK_DAYS', {
            default: 31,
            min: 0,
            max: 3660,
          }) * 86_400_000,
        // Cloud Functions' event timeout is 540 s: stop well before it.
        budgetMs: read.integer('PUBLISH_BUDGET_MS', {
          default: 420_000,
          min: 1000,
          max: 3_600_000,
        }),
      },
    };
  });
}
