import {Storage} from '@google-cloud/storage';
import {GcsStore} from './gcs-store';
import {LocalDirectoryStore} from './local-directory-store';
import type {ObjectStore} from './object-store';

const GCS_URI = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,221}[a-z0-9])(?:\/(.*))?$/;

/** Opens `gs://bucket/prefix` through the given Storage client, anything else as a local directory. */
export function openObjectStore(
  uri: string,
  storage: () => Storage,
): ObjectStore {
  const match = GCS_URI.exec(uri);
  if (uri.startsWith('gs://')) {
    if (!match)
      throw new RangeError(`"${uri}" is not a valid gs://bucket/prefix URI`);
    const [, bucket, rawPrefix = ''] = match;
    const prefix =
      rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
    return new GcsStore(storage().bucket(bucket as string), prefix);
  }
  return new LocalDirectoryStore(uri);
}

/** A Storage client for a project (undefined: the client finds it) and an endpoint override (fake-gcs-server locally). */
export function storageClient(
  project: string | undefined,
  apiEndpoint: string | undefined,
): () => Storage {
  return () =>
    new Storage({
      ...(project ? {projectId: project} : {}),
      ...(apiEndpoint ? {apiEndpoint} : {}),
    });
}
