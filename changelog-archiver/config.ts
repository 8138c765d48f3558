import {type Env, readConfig} from '../core/config';
import {defaultResources} from '../core/resources';

/** Everything the change-log archiver needs, parsed once from its environment. */
export interface ArchiverConfig {
  /** Undefined: the clients find it themselves (metadata server on Cloud Run, emulators locally). */
  project: string | undefined;
  subscription: string;
  /** `gs://bucket/changelog/` or a local directory. */
  archiveUri: string;
  /** `gs://bucket/changelog-errors/` or a local directory. */
  deadLetterUri: string;
  storageApiEndpoint: string | undefined;
  batchSize: number;
  fillMs: number;
  concurrency: number;
  streams: number;
  ackDeadlineSeconds: number;
  waitMs: number;
  budgetMs: number;
  idlePulls: number;
}

const DEFAULTS = defaultResources('unused');
export const defaultSubscription = DEFAULTS.pubsub.changes.archiverSubscription;

export function readArchiverConfig(env: Env): ArchiverConfig {
  return readConfig(env, read => ({
    project: read.optionalString('GOOGLE_CLOUD_PROJECT'),
    subscription: read.string('CHANGELOG_SUBSCRIPTION', {
      default: defaultSubscription,
    }),
    archiveUri: read.string('CHANGELOG_URI'),
    deadLetterUri: read.string('CHANGELOG_DEAD_LETTER_URI'),
    storageApiEndpoint: read.optionalString('STORAGE_API_ENDPOINT'),
    batchSize: read.integer('CHANGELOG_BATCH_SIZE', {
      default: 2000,
      min: 1,
      max: 20_000,
    }),
    fillMs: read.integer('CHANGELOG_FILL_MS', {
      default: 2000,
      min: 0,
      max: 30_000,
    }),
    concurrency: read.integer('CHANGELOG_CONCURRENCY', {
      default: 4,
      min: 1,
      max: 32,
    }),
    streams: read.integer('CHANGELOG_STREAMS', {default: 8, min: 1, max: 32}),
    // The subscription's ack deadline (provisioned 60 s): each stream asks for the same.
    ackDeadlineSeconds: read.integer('CHANGELOG_ACK_DEADLINE_SECONDS', {
      default: 60,
      min: 10,
      max: 600,
    }),
    waitMs: read.integer('CHANGELOG_WAIT_MS', {
      default: 10_000,
      min: 100,
      max: 60_000,
    }),
    // Cloud Scheduler starts a run every 5 minutes; a run stops pulling before the next one starts.
    budgetMs: read.integer('CHANGELOG_BUDGET_MS', {
      default: 240_000,
      min: 1_000,
      max: 3_600_000,
    }),
    idlePulls: read.integer('CHANGELOG_IDLE_PULLS', {
      default: 3,
      min: 1,
      max: 100,
    }),
  }));
}
