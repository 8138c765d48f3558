/** A tool the local platform needs is not installed; the message says the command that installs it. */
export class PrerequisiteError extends Error {
  readonly code = 'PREREQUISITE_MISSING';
  constructor(
    readonly tool: string,
    readonly installCommand: string,
  ) {
    super(`${tool} is missing: install it with \`${installCommand}\``);
    this.name = 'PrerequisiteError';
  }
}
