import type {Storage} from '@google-cloud/storage';
import type {Resources} from '../resources';
import {createIfAbsent} from './already-exists';

export interface BucketOptions {
  /** Bucket location in the cloud (e.g. the pipeline's region); the emulator ignores it. */
  location?: string;
}

/** Creates the summaries bucket (uniform bucket-level access) unless it exists. Safe to repeat. */
export async function provisionStorage(
  storage: Storage,
  resources: Resources['storage'],
  options: BucketOptions = {},
): Promise<void> {
  const bucket = storage.bucket(resources.bucket);
  const [exists] = await bucket.exists();
  if (exists) return;
  await createIfAbsent(() =>
    storage.createBucket(resources.bucket, {
      ...(options.location ? {location: options.location} : {}),
      iamConfiguration: {uniformBucketLevelAccess: {enabled: true}},
    }),
  );
}
