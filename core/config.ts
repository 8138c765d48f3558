/**
 * Reading configuration from the environment, once, at a deployable's edge. Every reader names the
 * variable in its error, and `readConfig` reports every bad variable at once, not just the first.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: ReadonlyArray<{ variable: string; problem: string }>) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable} ${p.problem}`).join('; ')}`);
  }
}

class VariableError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable} ${problem}`);
  }
}

/** Runs `build` with readers bound to `env`; collects every VariableError into one ConfigError. */
export function readConfig<T>(env: Env, build: (read: EnvReader) => T): T {
  const reader = new EnvReader(env);
  const result = build(reader);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return result;
}

export class EnvReader {
  readonly problems: Array<{ variable: string; problem: string }> = [];

  constructor(private readonly env: Env) {}

  private attempt<T>(variable: string, parse: () => T, placeholder: T): T {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof VariableError)) throw error;
      this.problems.push({ variable, problem: error.problem });
      return placeholder;
    }
  }

  has(name: string): boolean {
    return (this.env[name] ?? '') !== '';
  }

  string(name: string, options: { default?: string; pattern?: RegExp; description?: string } = {}): string {
    return this.attempt(
      name,
      () => {
        const value = this.env[name] ?? options.default;
        if (value === undefined || value === '') throw new VariableError(name, 'is required but not set');
        if (options.pattern && !options.pattern.test(value)) {
          throw new VariableError(name, `must be ${options.description ?? `a value matching ${options.pattern}`}, got "${value}"`);
        }
        return value;
      },
      '',
    );
  }

  optionalString(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  integer(name: string, options: { default?: number; min: number; max: number }): number {
    return this.attempt(
      name,
      () => {
        const raw = this.env[name];
        if (raw === undefined || raw === '') {
          if (options.default !== undefined) return options.default;
          throw new VariableError(name, 'is required but not set');
        }
        if (!/^-?\d+$/.test(raw)) throw new VariableError(name, `must be an integer, got "${raw}"`);
        const value = Number(raw);
        if (value < options.min || value > options.max) {
          throw new VariableError(name, `must be between ${options.min} and ${options.max}, got ${raw}`);
        }
        return value;
      },
      options.default ?? options.min,
    );
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback?: T): T {
    return this.attempt(
      name,
      () => {
        const raw = this.env[name];
        if (raw === undefined || raw === '') {
          if (fallback !== undefined) return fallback;
          throw new VariableError(name, `is required: one of ${values.join(', ')}`);
        }
        if (!(values as readonly string[]).includes(raw)) throw new VariableError(name, `must be one of ${values.join(', ')}, got "${raw}"`);
        return raw as T;
      },
      fallback ?? (values[0] as T),
    );
  }

  boolean(name: string, fallback: boolean): boolean {
    return this.oneOf(name, ['true', 'false'], fallback ? 'true' : 'false') === 'true';
  }
}
