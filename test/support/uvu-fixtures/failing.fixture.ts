import {test} from 'uvu';
import * as assert from 'uvu/assert';

test('passes', () => assert.ok(true));
test('fails', () => assert.is(1, 2));
test('throws', () => {
  throw new Error('boom');
});
test.skip('skipped one', () => undefined);
test.skip('skipped two', () => undefined);
test.run();
