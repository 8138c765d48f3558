/**
 * Reading configuration from the environment, once, at a deployable's edge. Each variable is
 * validated by a zod schema (`variable` below) whose messages name what is wanted; `readConfig`
 * reports every bad variable at once, not just the first. The readers are called inside a build
 * function, so a rule across variables (a task index below the task count) reads typed values.
 */
// zod/mini: the same checks as zod's, tree-shaken to ~10 KB in a bundle (zod's classic API adds
// ~450 KB and ~35 ms of CPU to every function's cold start).
import * as z from 'zod/mini';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly problems: ReadonlyArray<{variable: string; problem: string}>,
  ) {
    super(
      `invalid configuration: ${problems.map(p => `${p.variable} ${p.problem}`).join('; ')}`,
    );
  }
}

type Schema<T> = z.ZodMiniType<T, unknown>;

/** An empty variable counts as unset; an unset one with a fallback is the fallback. */
function raw<T>(value: Schema<T>, fallback?: string): Schema<T> {
  const present = z.transform((input: unknown) =>
    input === '' || input === undefined ? fallback : input,
  );
  return z.pipe(present, value) as unknown as Schema<T>;
}

const got = (issue: {input?: unknown}) => `got ${JSON.stringify(issue.input)}`;
const required = z.string({error: 'is required but not set'});

/** One variable's schema per kind: the raw string (or undefined) in, the typed value out. */
export const variable = {
  string(
    options: {default?: string; pattern?: RegExp; description?: string} = {},
  ): Schema<string> {
    const {pattern, description} = options;
    const value = pattern
      ? required.check(
          z.regex(pattern, {
            error: i =>
              `must be ${description ?? `a value matching ${pattern}`}, ${got(i)}`,
          }),
        )
      : required;
    return raw(value, options.default);
  },
  integer(options: {
    default?: number;
    min: number;
    max: number;
  }): Schema<number> {
    const {min, max} = options;
    const value = z.pipe(
      required.check(
        z.regex(/^-?\d+$/, {error: i => `must be an integer, ${got(i)}`}),
        z.refine((text: string) => Number(text) >= min && Number(text) <= max, {
          error: i =>
            `must be between ${min} and ${max}, got ${String(i.input)}`,
        }),
      ),
      z.transform(Number),
    );
    return raw(
      value,
      options.default === undefined ? undefined : String(options.default),
    );
  },
  oneOf<T extends string>(values: readonly T[], fallback?: T): Schema<T> {
    const value = z.enum(values as readonly [T, ...T[]], {
      error: i =>
        i.input === undefined
          ? `is required: one of ${values.join(', ')}`
          : `must be one of ${values.join(', ')}, ${got(i)}`,
    }) as unknown as Schema<T>;
    return raw(value, fallback);
  },
};

/** Runs `build` with readers bound to `env`; every variable that fails its schema is one problem of one ConfigError. */
export function readConfig<T>(env: Env, build: (read: EnvReader) => T): T {
  const reader = new EnvReader(env);
  const result = build(reader);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return result;
}

export class EnvReader {
  readonly problems: Array<{variable: string; problem: string}> = [];

  constructor(private readonly env: Env) {}

  private read<T>(name: string, schema: Schema<T>, placeholder: T): T {
    const result = schema.safeParse(this.env[name]);
    if (result.success) return result.data;
    this.problems.push({
      variable: name,
      problem: result.error.issues[0]?.message ?? 'is invalid',
    });
    return placeholder;
  }

  has(name: string): boolean {
    return (this.env[name] ?? '') !== '';
  }

  string(
    name: string,
    options: {default?: string; pattern?: RegExp; description?: string} = {},
  ): string {
    return this.read(name, variable.string(options), '');
  }

  optionalString(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  integer(
    name: string,
    options: {default?: number; min: number; max: number},
  ): number {
    return this.read(
      name,
      variable.integer(options),
      options.default ?? options.min,
    );
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback?: T): T {
    return this.read(
      name,
      variable.oneOf(values, fallback),
      fallback ?? (values[0] as T),
    );
  }

  boolean(name: string, fallback: boolean): boolean {
    return (
      this.oneOf(name, ['true', 'false'], fallback ? 'true' : 'false') ===
      'true'
    );
  }
}
