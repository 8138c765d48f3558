/** One suite's result as uvu's runner returned it (test/support/uvu-suites.ts writes one a line). */
export interface SuiteResult {
  file: string | null;
  total: number;
  passed: number;
  skipped: number;
  failed: number;
}

export interface UvuResults {
  suites: SuiteResult[];
  /** True when uvu's exec finished: every queued suite ran. */
  done: boolean;
}

/** Reads the JSON lines of uvu-suites.ts; a line cut short by a crash is ignored. */
export function readUvuResults(text: string): UvuResults {
  const suites: SuiteResult[] = [];
  let done = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || !line.endsWith('}')) continue;
    const parsed = JSON.parse(line) as SuiteResult | {done: true};
    if ('done' in parsed) done = true;
    else suites.push(parsed);
  }
  return {suites, done};
}

/**
 * The run's verdict. A run whose test process crashed before uvu finished counts one failure more
 * than its finished suites show, and a run that executed no test is a failure too (it proves nothing).
 */
export function verdict(
  results: UvuResults,
  exitCode: number,
): {passed: number; failed: number; ok: boolean} {
  const passed = results.suites.reduce((sum, s) => sum + s.passed, 0);
  const failed =
    results.suites.reduce((sum, s) => sum + s.failed, 0) +
    (results.done ? 0 : 1);
  const counted = Math.max(failed, exitCode === 0 ? 0 : 1);
  return {passed, failed: counted, ok: counted === 0 && passed > 0};
}
