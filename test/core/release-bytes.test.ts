import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {releaseBytes} from '../../core/release-bytes';

test('a buffer that owns its memory gives it back at once, and reads as empty after', () => {
  const before = process.memoryUsage().arrayBuffers;
  const bytes = Buffer.allocUnsafe(64 * 2 ** 20).fill(7);
  assert.ok(process.memoryUsage().arrayBuffers - before >= 64 * 2 ** 20);
  releaseBytes(bytes);
  assert.ok(
    process.memoryUsage().arrayBuffers - before < 2 ** 20,
    'freed without a garbage collection',
  );
  assert.is(bytes.length, 0);
  releaseBytes(bytes); // a second time does nothing
});

test('a slice of shared memory (the Buffer pool, a subarray) is left alone', () => {
  const pooled = Buffer.from('small: from the shared pool');
  const whole = new Uint8Array(1024).fill(1);
  const part = whole.subarray(0, 512);
  releaseBytes(pooled);
  releaseBytes(part);
  assert.is(pooled.toString(), 'small: from the shared pool');
  assert.is(part.length, 512);
  assert.is(whole.length, 1024);
});

test.run();
