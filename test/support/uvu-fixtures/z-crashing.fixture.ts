import {test} from 'uvu';
import * as assert from 'uvu/assert';

test('passes before the crash', () => assert.ok(true));
test('the process dies mid-suite', () => {
  process.exit(3);
});
test.run();
