import {PubSub} from '@google-cloud/pubsub';
import {Storage} from '@google-cloud/storage';
import {createPool} from 'mysql2/promise';
import {createBigtableClient} from '../core/bigtable/client';
import {provisionAll} from '../core/provision/provision';
import type {Resources} from '../core/resources';
import type {Platform} from './platform';

/**
 * Provisions every resource of `resources` on a running local platform (idempotent). The Bigtable
 * and Pub/Sub clients find the emulators through process.env, which the caller has set from
 * `platform.env`.
 */
export async function provisionLocal(
  platform: Platform,
  resources: Resources,
  options: {pushEndpoint?: string} = {},
): Promise<void> {
  const bigtable = createBigtableClient({projectId: resources.project});
  const pubsub = new PubSub({projectId: resources.project});
  const storage = new Storage({
    projectId: resources.project,
    apiEndpoint: platform.env.STORAGE_API_ENDPOINT,
  });
  const sqlPool = createPool({...platform.mysql!, connectionLimit: 2});
  try {
    await provisionAll({bigtable, pubsub, storage, sqlPool}, resources, {
      pubsub: options.pushEndpoint ? {pushEndpoint: options.pushEndpoint} : {},
    });
  } finally {
    await Promise.allSettled([sqlPool.end(), bigtable.close(), pubsub.close()]);
  }
}
