import {readdirSync} from 'node:fs';
import {sep} from 'node:path';

/** `*.test.ts` files under `dir`, relative to it with `/` separators, sorted. */
export function listTestFiles(dir: string): string[] {
  return (readdirSync(dir, {recursive: true, encoding: 'utf8'}) as string[])
    .map(name => name.split(sep).join('/'))
    .filter(
      name =>
        name.endsWith('.test.ts') && !name.split('/').includes('node_modules'),
    )
    .sort();
}

/** Files whose path matches `filter` (a case-insensitive regular expression, or plain text). */
export function selectTestFiles(
  files: string[],
  filter: string | undefined,
): string[] {
  if (!filter) return files;
  let pattern: RegExp;
  try {
    pattern = new RegExp(filter, 'i');
  } catch {
    pattern = new RegExp(filter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  }
  return files.filter(file => pattern.test(file));
}

/** A uvu CLI pattern (matched against the path relative to its dir) that selects exactly `files`. */
export function uvuPatternFor(files: string[]): string {
  const escaped = files.map(file =>
    file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );
  return `^(${escaped.join('|')})$`;
}
