import {test} from 'uvu';
import * as assert from 'uvu/assert';

test('one', () => assert.is(1, 1));
test('two', async () => assert.is(await Promise.resolve(2), 2));
test.run();
