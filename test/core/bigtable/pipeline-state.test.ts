import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {
  readCursor,
  readWatermark,
  recordWatermark,
  type StateCursor,
  WATERMARK,
  writeCursor,
} from '../../../core/bigtable/pipeline-state';
import {provisionBigtable} from '../../../core/provision/bigtable';
import {platformClients} from '../../support/suite-env';
import {suiteResources} from '../../support/suite-resources';

const resources = suiteResources('pipeline-state');
const {bigtable} = platformClients(resources.project);
const schema = resources.bigtable.state;
const state = bigtable.instance(resources.bigtable.instance).table(schema.id);

test.before(async () => {
  await provisionBigtable(bigtable, resources.bigtable);
});

test.after(async () => {
  await bigtable.close();
});

test('a cursor never written reads as undefined; a written one reads back its newest value', async () => {
  const cursor: StateCursor = {row: 'publication_cursor', column: 'position'};
  assert.is(await readCursor(state, schema, cursor), undefined);
  await writeCursor(state, schema, cursor, 'first');
  await new Promise(resolve => setTimeout(resolve, 2));
  await writeCursor(state, schema, cursor, 'second');
  assert.is(await readCursor(state, schema, cursor), 'second');
});

test('cursors in the same row and in other rows do not see each other', async () => {
  const a: StateCursor = {row: 'tallies', column: '2026-11-26'};
  const b: StateCursor = {row: 'tallies', column: '2026-11-27'};
  await writeCursor(state, schema, a, '12');
  assert.is(await readCursor(state, schema, b), undefined);
  await writeCursor(state, schema, b, '30');
  assert.is(await readCursor(state, schema, a), '12');
  assert.is(
    await readCursor(state, schema, {row: 'other', column: a.column}),
    undefined,
  );
});

test('the watermark is a cursor holding an ISO timestamp, and a bad value is refused by name', async () => {
  const watermark = new Date('2026-11-26T13:00:00.000Z');
  await recordWatermark(state, schema, watermark);
  assert.is(
    await readCursor(state, schema, WATERMARK),
    '2026-11-26T13:00:00.000Z',
  );
  assert.equal(await readWatermark(state, schema), watermark);
  await new Promise(resolve => setTimeout(resolve, 2));
  await writeCursor(state, schema, WATERMARK, 'not a time');
  try {
    await readWatermark(state, schema);
    assert.unreachable('a watermark that is not a timestamp was read');
  } catch (error) {
    assert.match(
      (error as Error).message,
      /replication_watermark holds "not a time", not a timestamp/,
    );
  }
});

test.run();
