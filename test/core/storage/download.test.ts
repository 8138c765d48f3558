import {randomBytes} from 'node:crypto';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {GcsStore} from '../../../core/storage/gcs-store';
import {storageClient} from '../summary/stores';

/** Every process warning emitted while `run` runs (warnings are emitted on a later tick). */
async function warningsDuring(run: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const listener = (warning: Error) =>
    warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', listener);
  try {
    await run();
    await new Promise(resolve => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return warnings;
}

test('reading objects from Cloud Storage prints no MaxListenersExceededWarning', async () => {
  const storage = storageClient();
  const [bucket] = await storage.createBucket(
    `download-${randomBytes(6).toString('hex')}`,
  );
  try {
    const store = new GcsStore(bucket, 'p/');
    // Large enough that the body is still streaming when the client pipes it (a small one may have
    // ended, and its first pipe's listeners gone, by then).
    const content = 'x,1\n'.repeat(100_000);
    await store.write('a.csv', content);
    const contents: string[] = [];
    const warnings = await warningsDuring(async () => {
      for (let i = 0; i < 3; i++)
        contents.push((await store.read('a.csv')).toString());
      contents.push((await store.readVersioned('a.csv')).data.toString());
    });
    assert.equal(contents, Array(4).fill(content));
    assert.equal(warnings, []);
  } finally {
    await bucket.deleteFiles({force: true});
    await bucket.delete();
  }
});

test.run();
