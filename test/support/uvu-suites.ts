/**
 * The test process of `npm test`: runs uvu's suites as its CLI does (`uvu/parse`, then each file
 * required under uvu's deferred queue, then uvu's `exec`), and reports to fd 3 what uvu's own
 * runner returned for each suite, one JSON line each (SuiteResult), then `{"done":true}` once
 * `exec` has finished. uvu 0.5's `exec` returns nothing and has no reporter hook, so each queued
 * suite runner is wrapped to see its result; its text output goes to stdout unchanged.
 *
 *   node --import tsx test/support/uvu-suites.ts DIR PATTERN 3>results
 */
import {writeSync} from 'node:fs';
import {parse} from 'uvu/parse';

/** What uvu's runner of one suite resolves with: [errors or true, passed, skipped, total]. */
type SuiteRun = () => Promise<[string | true, number, number, number]>;
type Queue = Array<[string | null, ...SuiteRun[]]>;

const RESULTS_FD = 3;
const report = (line: object) =>
  writeSync(RESULTS_FD, `${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  const [dir, pattern] = process.argv.slice(2);
  const {suites} = await parse(dir, pattern);
  const state = globalThis as unknown as {
    UVU_DEFER: number;
    UVU_QUEUE: Queue;
    UVU_INDEX: number;
  };
  state.UVU_DEFER = 1;
  const uvu = require('uvu') as {exec(bail?: boolean): Promise<void>};
  suites.forEach((suite, index) => {
    state.UVU_QUEUE.push([suite.name]);
    state.UVU_INDEX = index;
    require(suite.file);
  });
  for (const group of state.UVU_QUEUE) {
    const file = group[0];
    for (let i = 1; i < group.length; i++) {
      const run = group[i] as SuiteRun;
      group[i] = async () => {
        const result = await run();
        const [errors, passed, skipped, total] = result;
        report({
          file,
          total,
          passed,
          skipped,
          failed: errors === true ? 0 : total - passed,
        });
        return result;
      };
    }
  }
  await uvu.exec();
  report({done: true});
}

main().catch((error: unknown) => {
  console.error((error as Error)?.stack ?? String(error));
  process.exitCode = 1;
});
