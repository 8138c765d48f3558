import {AsyncLocalStorage} from 'node:async_hooks';
import pino, {type DestinationStream, type Logger} from 'pino';
import {version as packageVersion} from '../package.json';

export type {Logger} from 'pino';

/**
 * Structured JSON logs, one object a line on stdout, in the shape Cloud Logging parses from
 * Cloud Functions, Cloud Run and Dataflow: `severity`, `message`, `time`, plus the fields given;
 * the trace of the request being served (`withRequestLogFields`); and on ERROR lines what Error
 * Reporting reads.
 *
 * Why not Google's `@google-cloud/pino-logging-gcp-config`, which formats much the same: it
 * requires `@google-cloud/logging` (and with it google-gax) at load time, for a project-id lookup
 * and a diagnostic line. Bundled, that is 2.6 MB against pino's 64 KB in every entry, and loading
 * it cost 0.21-0.29 s of CPU against 0.02-0.04 s (bench/README.md, cold-start): more than the whole
 * budget a cold start has over the bare framework. It also takes the trace only from OpenTelemetry
 * fields, not from the request's headers, and gives a stackless error no `@type`.
 */

/** pino levels -> Cloud Logging severities (the LogSeverity enum of Cloud Logging). */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

const ERROR_LEVEL = 50;

/** What Error Reporting takes a JSON log line without a stack trace to be. */
export const REPORTED_ERROR_EVENT =
  'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent';

/** Field names whose values never reach a log, wherever they sit in a logged object. */
const REDACTED_FIELDS = [
  'password',
  'user',
  'secret',
  'token',
  'authorization',
  'dbPassword',
  'dbUser',
];

/** Error Reporting's service and version: the Cloud Run service (or job) and its revision where they run. */
export interface ServiceContext {
  service: string;
  version: string;
}

export function serviceContextFor(
  component: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServiceContext {
  return {
    service: env.K_SERVICE || env.CLOUD_RUN_JOB || component,
    version: env.K_REVISION || packageVersion,
  };
}

const requestFields = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `fn` with `fields` (a request's trace) added to every line logged inside it, by any logger. */
export function withRequestLogFields<T>(
  fields: Record<string, unknown> | undefined,
  fn: () => T,
): T {
  return fields ? requestFields.run(fields, fn) : fn();
}

/**
 * Error Reporting's fields of an ERROR line: the stack of the logged error as `stack_trace` (read
 * before `message`), or, with no stack to show, the `@type` that makes it take the line's
 * `message` as the error; `serviceContext` either way, which names the service in its reports.
 */
function errorReportingFields(
  logged: Record<string, unknown>,
  service: ServiceContext,
): Record<string, unknown> {
  const err = logged.err;
  const stack =
    err instanceof Error &&
    typeof err.stack === 'string' &&
    err.stack.length > 0
      ? err.stack
      : undefined;
  return stack
    ? {serviceContext: service, stack_trace: stack}
    : {serviceContext: service, '@type': REPORTED_ERROR_EVENT};
}

export function createLogger(
  component: string,
  destination?: DestinationStream,
  level = process.env.LOG_LEVEL ?? 'info',
  service: ServiceContext = serviceContextFor(component),
): Logger {
  const paths = REDACTED_FIELDS.flatMap(field => [
    field,
    `*.${field}`,
    `*.*.${field}`,
  ]);
  return pino(
    {
      level,
      messageKey: 'message',
      base: {component},
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {paths, censor: '[redacted]'},
      formatters: {
        level: label => ({severity: SEVERITY[label] ?? 'DEFAULT'}),
      },
      serializers: {err: serializeError},
      mixin: (logged, levelNumber) => {
        const request = requestFields.getStore();
        if (levelNumber < ERROR_LEVEL) return request ? {...request} : {};
        return {
          ...request,
          ...errorReportingFields(logged as Record<string, unknown>, service),
        };
      },
    },
    destination ?? pino.destination({dest: 1, sync: true}),
  );
}

/**
 * pino's error serializer, safe for the Google clients' errors: a failed Bigtable call rejects with
 * an error whose `errors` array holds the error itself (once per retry), which the standard
 * serializer follows until the stack overflows.
 */
function serializeError(error: unknown) {
  if (
    error instanceof Error &&
    Array.isArray((error as {errors?: unknown}).errors)
  ) {
    const others = (error as unknown as {errors: unknown[]}).errors.filter(
      inner => inner !== error,
    );
    const copy = Object.assign(
      Object.create(Object.getPrototypeOf(error) as object) as Error,
      error,
      {errors: others},
    );
    copy.message = error.message;
    copy.stack = error.stack;
    return pino.stdSerializers.err(copy);
  }
  return pino.stdSerializers.err(error as Error);
}
