import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** pino levels -> Cloud Logging severities (the LogSeverity enum of Cloud Logging). */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** Field names whose values never reach a log, wherever they sit in a logged object. */
const REDACTED_FIELDS = ['password', 'user', 'secret', 'token', 'authorization', 'dbPassword', 'dbUser'];

/**
 * Structured JSON logs, one object a line on stdout, in the shape Cloud Logging parses from
 * Cloud Functions / Cloud Run: `severity`, `message`, `time`, plus the fields given.
 */
export function createLogger(component: string, destination?: DestinationStream, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const paths = REDACTED_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);
  return pino(
    {
      level,
      messageKey: 'message',
      base: { component },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[redacted]' },
      formatters: {
        level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }),
      },
      serializers: { err: serializeError },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * pino's error serializer, safe for the Google clients' errors: a failed Bigtable call rejects with
 * an error whose `errors` array holds the error itself (once per retry), which the standard
 * serializer follows until the stack overflows.
 */
function serializeError(error: unknown) {
  if (error instanceof Error && Array.isArray((error as { errors?: unknown }).errors)) {
    const others = (error as unknown as { errors: unknown[] }).errors.filter((inner) => inner !== error);
    const copy = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as Error, error, { errors: others });
    copy.message = error.message;
    copy.stack = error.stack;
    return pino.stdSerializers.err(copy);
  }
  return pino.stdSerializers.err(error as Error);
}
