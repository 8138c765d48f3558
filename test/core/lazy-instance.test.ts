import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {lazyInstance} from '../../core/lazy-instance';

test('concurrent first calls share one build; later calls reuse it', async () => {
  let builds = 0;
  const get = lazyInstance(async () => {
    builds++;
    await new Promise(resolve => setTimeout(resolve, 10));
    return {id: builds};
  });
  const [a, b] = await Promise.all([get(), get()]);
  assert.is(a, b);
  assert.is(await get(), a);
  assert.is(builds, 1);
});

test('a failed build is forgotten: the next call builds again', async () => {
  let builds = 0;
  const get = lazyInstance(async () => {
    builds++;
    if (builds === 1) throw new Error('database unreachable');
    return 'ready';
  });
  await get().then(
    () => assert.unreachable('the first build fails'),
    (error: Error) => assert.is(error.message, 'database unreachable'),
  );
  assert.is(await get(), 'ready');
  assert.is(builds, 2);
});

test.run();
