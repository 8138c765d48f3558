import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {selectTestFiles, uvuPatternFor} from './test-files';

const files = [
  'core/money.test.ts',
  'integration/bigtable-replication.test.ts',
  'integration/platform.test.ts',
];

test('a filter selects by path, case-insensitively, as a regex or as plain text', () => {
  assert.equal(selectTestFiles(files, undefined), files);
  assert.equal(selectTestFiles(files, 'BIGTABLE'), [
    'integration/bigtable-replication.test.ts',
  ]);
  assert.equal(selectTestFiles(files, '^core/'), ['core/money.test.ts']);
  assert.equal(selectTestFiles(files, 'money.test.ts('), []);
});

test('the uvu pattern matches exactly the selected files', () => {
  const pattern = new RegExp(uvuPatternFor(['core/money.test.ts']), 'i');
  assert.ok(pattern.test('core/money.test.ts'));
  assert.not.ok(pattern.test('core/moneyXtest.ts'));
  assert.not.ok(pattern.test('x/core/money.test.ts'));
});

test.run();
