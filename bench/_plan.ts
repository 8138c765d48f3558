/**
 * Which benchmark files `npm run bench -- NAME ...` runs, and with which arguments. A NAME is a file
 * (`replicate`: every figure of `bench/replicate.ts`) or a figure inside one (`replicate-cpu`: the
 * file whose name is the longest prefix of it, given that figure as an argument). Naming a figure
 * runs it whatever else is named; naming a file runs all its figures.
 */
export type BenchPlan = Map<string, string[]>;

export class UnknownBenchmarkError extends Error {
  readonly code = 'UNKNOWN_BENCHMARK';
}

function fileFor(name: string, files: readonly string[]): string | undefined {
  return files
    .filter(file => name === file || name.startsWith(`${file}-`))
    .sort((a, b) => b.length - a.length)[0];
}

/**
 * File to arguments, in the order the files are first named (every file, in `files` order, when
 * nothing is named). An empty argument list means every figure of the file.
 */
export function planBenchmarks(
  wanted: readonly string[],
  files: readonly string[],
): BenchPlan {
  if (wanted.length === 0) return new Map(files.map(file => [file, []]));
  const figures = new Map<string, string[]>();
  const whole = new Set<string>();
  for (const name of wanted) {
    const file = fileFor(name, files);
    if (!file)
      throw new UnknownBenchmarkError(
        `unknown benchmark "${name}"; files: ${files.join(', ')}`,
      );
    const named = figures.get(file) ?? [];
    if (name === file) whole.add(file);
    else if (!named.includes(name)) named.push(name);
    figures.set(file, named);
  }
  return new Map(
    [...figures].map(([file, named]) => [file, whole.has(file) ? [] : named]),
  );
}
