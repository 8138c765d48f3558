/** What uvu's closing block (`Total: / Passed: / Skipped:`) says, or undefined when it printed none. */
export interface UvuTotals {
  total: number;
  passed: number;
  skipped: number;
}

const ANSI = /\u001b\[[0-9;]*m/g;

export function parseUvuTotals(output: string): UvuTotals | undefined {
  const text = output.replace(ANSI, '');
  const field = (name: string) => {
    const matches = [...text.matchAll(new RegExp(`^\\s*${name}:\\s+(\\d+)\\s*$`, 'gm'))];
    const last = matches.at(-1);
    return last ? Number(last[1]) : undefined;
  };
  const total = field('Total');
  const passed = field('Passed');
  if (total === undefined || passed === undefined) return undefined;
  return { total, passed, skipped: field('Skipped') ?? 0 };
}

/**
 * What the per-file progress lines (`• • ✘   (2 / 3)`) add up to: all there is to count when the
 * runner died before its closing block.
 */
export function parseUvuProgress(output: string): { total: number; passed: number } {
  const text = output.replace(ANSI, '');
  let total = 0;
  let passed = 0;
  for (const match of text.matchAll(/\((\d+) \/ (\d+)\)\s*$/gm)) {
    passed += Number(match[1]);
    total += Number(match[2]);
  }
  return { total, passed };
}

/**
 * The run's verdict. A run whose runner crashed or printed no totals counts one failure more than
 * its finished files show, and a run that executed no test is a failure too (it proves nothing).
 */
export function verdict(
  totals: UvuTotals | undefined,
  exitCode: number,
  progress: { total: number; passed: number } = { total: 0, passed: 0 },
): { passed: number; failed: number; ok: boolean } {
  // No closing block: the runner crashed. Count what finished, plus one failure for the crash.
  if (!totals) return { passed: progress.passed, failed: progress.total - progress.passed + 1, ok: false };
  const failed = Math.max(totals.total - totals.passed - totals.skipped, exitCode === 0 ? 0 : 1);
  return { passed: totals.passed, failed, ok: failed === 0 && exitCode === 0 && totals.passed > 0 };
}
