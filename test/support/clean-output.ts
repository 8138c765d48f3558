/**
 * What a green `npm test` must not print: a warning line (Node's `(node:PID) ...Warning: ...`,
 * deprecations included, or any line that starts with `Warning:`) or a stack-trace frame. A test that expects an error captures that
 * error's log and asserts on it; one that prints a stack in a passing run hides the next real
 * failure in noise. (A failing run's own stacks, in uvu's FAIL blocks, are not looked at: the
 * runner checks only runs that passed.)
 */
// uvu colours its output: ESC is the point of this pattern.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const WARNING = /^(\(node:\d+\) )?(\[\w+\] )?\w*Warning: /;
const STACK_FRAME =
  /^\s+at (async )?\S.*(:\d+:\d+\)?|\(native\)|<anonymous>\)?)( \{)?$/;

/** `text` without uvu's colour codes. */
export function withoutColour(text: string): string {
  return text.replace(ANSI, '');
}

/** The lines of `output` that are a warning or a stack frame. */
export function noiseLines(output: string): string[] {
  return withoutColour(output)
    .split('\n')
    .filter(line => WARNING.test(line) || STACK_FRAME.test(line));
}
