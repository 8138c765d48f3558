import {promises as fsPromises, readdirSync} from 'node:fs';
import {suite, test} from 'uvu';
import * as assert from 'uvu/assert';
import {download} from '../../../core/storage/download';
import {GcsStore} from '../../../core/storage/gcs-store';
import {LocalDirectoryStore} from '../../../core/storage/local-directory-store';
import {ObjectStoreError} from '../../../core/storage/object-store';
import {openObjectStore} from '../../../core/storage/open';
import {
  gcsStore,
  localStore,
  storageClient,
  type TestStore,
} from '../summary/stores';

// The same contract, run against both implementations.
for (const kind of ['local', 'gcs'] as const) {
  const it = suite(`ObjectStore contract (${kind})`);
  let s: TestStore;
  it.before.each(async () => {
    s = kind === 'local' ? localStore() : await gcsStore('some/prefix');
  });
  it.after.each(async () => {
    await s.cleanup();
  });

  it('an empty store lists nothing', async () => {
    assert.equal(await s.store.list(), []);
  });

  it('write, read, and list by prefix, sorted, names relative to the root', async () => {
    await s.store.write('b.csv', 'B');
    await s.store.write('a.csv', Buffer.from('A'));
    await s.store.write('dir/c.csv', 'C');
    assert.equal(await s.store.list(), ['a.csv', 'b.csv', 'dir/c.csv']);
    assert.equal(await s.store.list('dir/'), ['dir/c.csv']);
    assert.equal(await s.store.list('a'), ['a.csv']);
    assert.is((await s.store.read('dir/c.csv')).toString(), 'C');
    await s.store.write('a.csv', 'A2');
    assert.is((await s.store.read('a.csv')).toString(), 'A2');
  });

  it("versions: replaceIfVersion replaces only the version it read; the content read is that version's", async () => {
    await s.store.write('v.csv', 'one');
    const first = await s.store.readVersioned('v.csv');
    assert.is(first.data.toString(), 'one');
    assert.equal(await s.store.listVersions(), [
      {name: 'v.csv', version: first.version},
    ]);
    assert.is(
      await s.store.replaceIfVersion('v.csv', first.version, 'two'),
      true,
    );
    const second = await s.store.readVersioned('v.csv');
    assert.is(second.data.toString(), 'two');
    assert.is.not(second.version, first.version);
    assert.is(
      await s.store.replaceIfVersion('v.csv', first.version, 'stale'),
      false,
      'a stale version is refused',
    );
    assert.is((await s.store.read('v.csv')).toString(), 'two');
    assert.equal(
      await s.store.list(),
      ['v.csv'],
      'no lock or temporary file is listed',
    );
  });

  it('concurrent replaceIfVersion from one version: exactly one of 8 callers wins', async () => {
    await s.store.write('r.csv', 'base');
    const {version} = await s.store.readVersioned('r.csv');
    const results = await Promise.all(
      Array.from({length: 8}, (_, i) =>
        s.store.replaceIfVersion('r.csv', version, `writer ${i}`),
      ),
    );
    const winners = results.flatMap((won, i) => (won ? [i] : []));
    assert.is(winners.length, 1, `winners ${winners.join(',')}`);
    assert.is((await s.store.read('r.csv')).toString(), `writer ${winners[0]}`);
  });

  it('createIfAbsent creates once, then refuses and leaves the object untouched', async () => {
    assert.is(await s.store.createIfAbsent('x.csv', 'first'), true);
    assert.is(await s.store.createIfAbsent('x.csv', 'second'), false);
    assert.is((await s.store.read('x.csv')).toString(), 'first');
    assert.equal(await s.store.list(), ['x.csv']);
  });

  it("concurrent createIfAbsent: exactly one of 16 callers wins, and the object is the winner's whole content", async () => {
    for (let round = 0; round < 3; round++) {
      const name = `race-${round}.csv`;
      const contents = Array.from({length: 16}, (_, i) =>
        `writer ${i}\n`.repeat(2000 + i),
      );
      const results = await Promise.all(
        contents.map(content => s.store.createIfAbsent(name, content)),
      );
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      assert.is(
        winners.length,
        1,
        `round ${round}: winners ${winners.join(',')}`,
      );
      assert.is((await s.store.read(name)).toString(), contents[winners[0]!]);
    }
    assert.equal(await s.store.list(), [
      'race-0.csv',
      'race-1.csv',
      'race-2.csv',
    ]);
  });

  it('listVersions lists every name under a prefix in order, each with the version it reads as', async () => {
    const names = Array.from(
      {length: 120},
      (_, i) => `many/${String(i).padStart(3, '0')}.csv`,
    );
    await Promise.all(names.map(name => s.store.write(name, name)));
    await s.store.write('many/sub/deeper.csv', 'deeper');
    await s.store.write('other.csv', 'other');
    const listed = await s.store.listVersions('many/');
    assert.equal(
      listed.map(v => v.name),
      [...names, 'many/sub/deeper.csv'],
    );
    for (const {name, version} of [listed[0]!, listed[77]!, listed[120]!])
      assert.is((await s.store.readVersioned(name)).version, version, name);
  });

  it('reading a missing object fails', async () => {
    let failed = false;
    await s.store.read('missing.csv').catch(() => (failed = true));
    assert.ok(failed);
  });

  it.run();
}

test('local store: no temp files are left behind, and names cannot escape the directory', async () => {
  const s = localStore();
  try {
    await Promise.all(
      Array.from({length: 8}, () => s.store.createIfAbsent('y.csv', 'y')),
    );
    assert.equal(readdirSync(s.uri), ['y.csv']);
    let error: unknown;
    await s.store
      .write('../outside.csv', 'no')
      .catch((e: unknown) => (error = e));
    assert.instance(error, ObjectStoreError);
  } finally {
    await s.cleanup();
  }
});

test('local store: listing versions stats a few names at a time, not every name at once', async () => {
  const s = localStore();
  const stat = fsPromises.stat;
  try {
    await Promise.all(
      Array.from({length: 200}, (_, i) => s.store.write(`f-${i}.csv`, `${i}`)),
    );
    let inFlight = 0;
    let most = 0;
    let stats = 0;
    fsPromises.stat = (async (...args: Parameters<typeof stat>) => {
      inFlight++;
      stats++;
      most = Math.max(most, inFlight);
      try {
        return await stat(...args);
      } finally {
        inFlight--;
      }
    }) as typeof stat;
    const listed = await s.store.listVersions();
    assert.is(listed.length, 200);
    assert.is(stats, 200);
    assert.ok(most > 1 && most <= 16, `${most} stats at once`);
  } finally {
    fsPromises.stat = stat;
    await s.cleanup();
  }
});

test('GCS store: versions are listed page by page, each object once, with its generation', async () => {
  const storage = storageClient();
  const s = await gcsStore('paged');
  try {
    const bucket = storage.bucket(s.uri.slice('gs://'.length).split('/')[0]!);
    const names = Array.from(
      {length: 23},
      (_, i) => `p-${String(i).padStart(2, '0')}.csv`,
    );
    await Promise.all(names.map(name => s.store.write(name, name)));
    await bucket.file('pagedish.csv').save('other', {resumable: false});
    const pages: unknown[] = [];
    const getFiles = bucket.getFiles.bind(bucket);
    bucket.getFiles = ((query: object) => {
      pages.push(query);
      return getFiles(query);
    }) as typeof bucket.getFiles;
    const listed = await new GcsStore(bucket, 'paged/', 5).listVersions();
    assert.is(pages.length, 5, 'pages of 5 for 23 objects');
    assert.equal(
      listed.map(v => v.name),
      names,
    );
    for (const {name, version} of [listed[0]!, listed[22]!]) {
      const [metadata] = await bucket.file(`paged/${name}`).getMetadata();
      assert.is(version, String(metadata.generation), name);
    }
  } finally {
    await s.cleanup();
  }
});

test('GCS store: objects outside its prefix are neither listed nor replaced', async () => {
  const storage = storageClient();
  const s = await gcsStore('daily');
  try {
    const bucket = storage.bucket(s.uri.slice('gs://'.length).split('/')[0]!);
    await bucket.file('elsewhere/x.csv').save('other', {resumable: false});
    await bucket.file('dailyish.csv').save('other', {resumable: false});
    assert.equal(await s.store.list(), []);
    assert.is(await s.store.createIfAbsent('x.csv', 'mine'), true);
    assert.equal(await s.store.list(), ['x.csv']);
    assert.is((await download(bucket.file('daily/x.csv'))).toString(), 'mine');
    assert.is(
      (await download(bucket.file('elsewhere/x.csv'))).toString(),
      'other',
    );
  } finally {
    await s.cleanup();
  }
});

test('openObjectStore: gs:// URIs get a GCS store with a normalized prefix, anything else a directory', () => {
  const storage = storageClient();
  const plain = openObjectStore('gs://my-bucket', () => storage);
  assert.instance(plain, GcsStore);
  assert.is(plain.location, 'gs://my-bucket/');
  assert.is(
    openObjectStore('gs://my-bucket/daily', () => storage).location,
    'gs://my-bucket/daily/',
  );
  assert.is(
    openObjectStore('gs://my-bucket/daily/', () => storage).location,
    'gs://my-bucket/daily/',
  );
  assert.instance(
    openObjectStore('/tmp/summaries', () => storage),
    LocalDirectoryStore,
  );
  assert.throws(
    () => openObjectStore('gs://Bad_Bucket!/x', () => storage),
    /not a valid gs:\/\/bucket\/prefix/,
  );
});

test.run();
