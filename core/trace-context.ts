/**
 * The trace a request belongs to, read from the headers Google's front ends set: W3C `traceparent`
 * (`00-TRACE-SPAN-FLAGS`, what Cloud Run, Eventarc and Cloud Scheduler send) or, when it is absent,
 * the older `X-Cloud-Trace-Context` (`TRACE/SPAN;o=1`, the span id in decimal). Cloud Logging ties
 * a log line to the trace by the fields of `traceLogFields`.
 *
 * @see https://cloud.google.com/logging/docs/structured-logging#special-payload-fields
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
export interface TraceContext {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits, or undefined when the header named no span. */
  spanId?: string;
  sampled: boolean;
}

/**
 * The request headers a trace is read from, `traceparent` and `x-cloud-trace-context` (Node
 * lower-cases header names); anything but a string (or a list of them) there is ignored.
 */
export type TraceHeaders = Readonly<Record<string, unknown>>;

const TRACEPARENT =
  /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const CLOUD_TRACE_CONTEXT = /^([0-9a-fA-F]{32})(?:\/(\d{1,20}))?(?:;o=(\d+))?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

function single(value: unknown): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : undefined;
}

/** A W3C traceparent, or undefined when malformed (version ff, an all-zero trace or span id). */
export function parseTraceparent(
  header: string | undefined,
): TraceContext | undefined {
  const match = header ? TRACEPARENT.exec(header) : null;
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version 00 has exactly four parts; a later version may add more after them.
  if (
    version === 'ff' ||
    (version === '00' && rest !== undefined) ||
    traceId === ZERO_TRACE ||
    spanId === ZERO_SPAN
  )
    return undefined;
  return {
    traceId: traceId!,
    spanId: spanId!,
    sampled: (Number.parseInt(flags!, 16) & 1) === 1,
  };
}

/** An `X-Cloud-Trace-Context`, its decimal span id as Cloud Logging's 16 hex digits. */
export function parseCloudTraceContext(
  header: string | undefined,
): TraceContext | undefined {
  const match = header ? CLOUD_TRACE_CONTEXT.exec(header) : null;
  if (!match) return undefined;
  const [, traceId, span, options] = match;
  if (traceId!.toLowerCase() === ZERO_TRACE) return undefined;
  let spanId: string | undefined;
  if (span !== undefined) {
    const value = BigInt(span);
    if (value > 0n && value < 2n ** 64n)
      spanId = value.toString(16).padStart(16, '0');
  }
  return {
    traceId: traceId!.toLowerCase(),
    ...(spanId ? {spanId} : {}),
    sampled: options === '1',
  };
}

/** The request's trace: `traceparent` first, `X-Cloud-Trace-Context` otherwise; undefined when neither parses. */
export function traceFromHeaders(
  headers: TraceHeaders,
): TraceContext | undefined {
  return (
    parseTraceparent(single(headers.traceparent)) ??
    parseCloudTraceContext(single(headers['x-cloud-trace-context']))
  );
}

/** Cloud Logging's trace fields of a log line; the trace is named in `project`. */
export function traceLogFields(
  trace: TraceContext,
  project: string,
): Record<string, string | boolean> {
  return {
    'logging.googleapis.com/trace': `projects/${project}/traces/${trace.traceId}`,
    ...(trace.spanId ? {'logging.googleapis.com/spanId': trace.spanId} : {}),
    'logging.googleapis.com/trace_sampled': trace.sampled,
  };
}
