/**
 * What `npm test` prints while a suite is silent: uvu writes a line when a file starts and a dot
 * per finished test, so a file whose tests take minutes (the flex template's portable runner, the
 * bundles) showed no line for a minute or more and looked hung. After `quietMs` without a new
 * line, this writes one naming the file uvu is in and how long it has been in it.
 */
import {withoutColour} from './clean-output';

const FILE_LINE = /^(\S+\.test\.[cm]?[jt]s)\s*$/gm;

export class SilenceBeat {
  private file: string | undefined;
  private fileSince: number;
  private lastLine: number;
  private atLineStart = true;

  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly quietMs = 15_000,
  ) {
    this.fileSince = this.lastLine = now();
  }

  /** A chunk of the test runner's output, as it was passed through. */
  saw(chunk: string): void {
    const text = withoutColour(chunk);
    if (text.length === 0) return;
    for (const match of text.matchAll(FILE_LINE)) {
      this.file = match[1];
      this.fileSince = this.now();
    }
    if (text.includes('\n')) this.lastLine = this.now();
    this.atLineStart = text.endsWith('\n');
  }

  /** Called every second or so: writes a line when none came for `quietMs`. */
  tick(): void {
    const now = this.now();
    if (now - this.lastLine < this.quietMs) return;
    const where = this.file
      ? `${this.file} (${Math.round((now - this.fileSince) / 1000)} s in it)`
      : 'the first file';
    this.write(
      `${this.atLineStart ? '' : '\n'}   tests: still running ${where}\n`,
    );
    this.atLineStart = true;
    this.lastLine = now;
  }
}
