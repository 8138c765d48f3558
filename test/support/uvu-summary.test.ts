import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseUvuProgress, parseUvuTotals, verdict } from './uvu-summary';

const closing = (total: number, passed: number, skipped: number) =>
  `\n  Total:     ${total}\n  Passed:    ${passed}\n  Skipped:   ${skipped}\n  Duration:  12.3ms\n`;

test('reads the closing totals, colours or not', () => {
  assert.equal(parseUvuTotals(`• • ✘ (2 / 3)${closing(3, 2, 0)}`), { total: 3, passed: 2, skipped: 0 });
  assert.equal(parseUvuTotals('\u001b[2m  Total:     \u001b[22m7\n  Passed:    \u001b[32m7\u001b[39m\n'), { total: 7, passed: 7, skipped: 0 });
  assert.is(parseUvuTotals('TypeError: boom'), undefined);
});

test('a run passes only with tests run, none failed and exit 0', () => {
  assert.equal(verdict({ total: 3, passed: 3, skipped: 0 }, 0), { passed: 3, failed: 0, ok: true });
  assert.equal(verdict({ total: 4, passed: 2, skipped: 1 }, 1), { passed: 2, failed: 1, ok: false });
  assert.equal(verdict({ total: 0, passed: 0, skipped: 0 }, 0).ok, false);
  assert.equal(verdict({ total: 2, passed: 2, skipped: 0 }, 1), { passed: 2, failed: 1, ok: false });
  assert.equal(verdict(undefined, 1), { passed: 0, failed: 1, ok: false });
});

test('a crashed run still counts the files that finished, plus one failure', () => {
  const output = 'a.test.ts\n• • •   (3 / 3)\n\nb.test.ts\n• ✘   (1 / 2)\n\nc.test.ts\nError: Could not load\n';
  const progress = parseUvuProgress(output);
  assert.equal(progress, { total: 5, passed: 4 });
  assert.equal(verdict(parseUvuTotals(output), 1, progress), { passed: 4, failed: 2, ok: false });
});

test.run();
