/** The two ObjectStore implementations the summary suites run against: a temp directory and fake-gcs-server. */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {randomBytes} from 'node:crypto';
import {Storage} from '@google-cloud/storage';
import type {ObjectStore} from '../../../core/storage/object-store';
import {openObjectStore} from '../../../core/storage/open';
import {createLogger, type Logger} from '../../../core/log';

export interface TestStore {
  kind: 'local' | 'gcs';
  uri: string;
  store: ObjectStore;
  cleanup(): Promise<void>;
}

export function storageClient(): Storage {
  if (!process.env.STORAGE_EMULATOR_HOST)
    throw new Error(
      'STORAGE_EMULATOR_HOST is not set: run through npm test (test/run.ts)',
    );
  return new Storage({
    projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'finserv-local',
    apiEndpoint: process.env.STORAGE_API_ENDPOINT,
  });
}

export function localStore(): TestStore {
  const dir = mkdtempSync(join(tmpdir(), 'summary-store-'));
  return {
    kind: 'local',
    uri: dir,
    store: openObjectStore(dir, storageClient),
    cleanup: async () => rmSync(dir, {recursive: true, force: true}),
  };
}

/** A fresh bucket on fake-gcs-server, with a prefix so that the store's prefix handling is exercised too. */
export async function gcsStore(prefix = 'summaries'): Promise<TestStore> {
  const storage = storageClient();
  const bucket = `summaries-${randomBytes(6).toString('hex')}`;
  await storage.createBucket(bucket);
  const uri = `gs://${bucket}/${prefix}`;
  return {
    kind: 'gcs',
    uri,
    store: openObjectStore(uri, () => storage),
    cleanup: async () => {
      await storage.bucket(bucket).deleteFiles({force: true});
      await storage.bucket(bucket).delete();
    },
  };
}

/** A logger whose JSON lines are kept in memory, for asserting what the job said. */
export function memoryLogger(): {
  log: Logger;
  lines: Array<Record<string, unknown>>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger(
    'test',
    {
      write: (line: string) =>
        void lines.push(JSON.parse(line) as Record<string, unknown>),
    },
    'debug',
  );
  return {log, lines};
}
