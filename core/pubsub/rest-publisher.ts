/**
 * Publishing to Pub/Sub through its REST API (`projects.topics.publish`) with `fetch`, for the
 * functions that publish one small signal per run. The official client does the same over gRPC,
 * but building it costs a cold start about a quarter of a second of CPU (it parses every Pub/Sub
 * proto from JSON and opens a channel: bench/README.md, cold-start) and its code a sixth of the
 * runtime bundle, for one call. Authorization comes from google-auth-library (Application Default
 * Credentials: the function's service account), which the Google clients already bundle.
 *
 * Retries follow the official client's publish policy: the statuses it retries (ABORTED 409,
 * RESOURCE_EXHAUSTED 429, CANCELLED 499, INTERNAL/UNKNOWN 500, UNAVAILABLE 503, DEADLINE_EXCEEDED
 * 504, and 502 from a front end) and network failures, backing off from 100 ms by 4x up to 60 s,
 * all within the caller's timeout; anything else (a missing topic, a refused message) fails at once.
 */
import {GoogleAuth} from 'google-auth-library';

export interface PubSubMessage {
  data: Buffer;
  attributes: Record<string, string>;
}

/** Where the REST API is and the authorization headers of a request. */
export interface PubSubRestTarget {
  apiEndpoint: string;
  authorize: () => Promise<Headers | Record<string, string>>;
}

export class PubSubPublishError extends Error {
  readonly code = 'PUBSUB_PUBLISH_FAILED';
  constructor(
    message: string,
    /** The HTTP status of the last answer, if there was one. */
    readonly status?: number,
    options?: {cause?: unknown},
  ) {
    super(message, options);
  }
}

const SCOPE = 'https://www.googleapis.com/auth/pubsub';
const RETRIED_STATUSES = new Set([409, 429, 499, 500, 502, 503, 504]);
const FIRST_BACKOFF_MS = 100;
const BACKOFF_FACTOR = 4;
const MAX_BACKOFF_MS = 60_000;

/**
 * Pub/Sub itself with Application Default Credentials, or, when `PUBSUB_EMULATOR_HOST` is set, the
 * emulator over plain HTTP without credentials: the variable and its meaning are the official
 * clients' own.
 */
export function pubsubRestTarget(
  env: Readonly<Record<string, string | undefined>> = process.env,
): PubSubRestTarget {
  const emulator = env.PUBSUB_EMULATOR_HOST;
  if (emulator)
    return {apiEndpoint: `http://${emulator}`, authorize: async () => ({})};
  const auth = new GoogleAuth({scopes: [SCOPE]});
  return {
    apiEndpoint: 'https://pubsub.googleapis.com',
    authorize: () => auth.getRequestHeaders(),
  };
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * One REST call, retried as the official client retries a publish, within `timeoutMs`: the parsed
 * JSON answer, or a PubSubPublishError naming `what` failed.
 */
export async function pubsubRestCall(
  target: PubSubRestTarget,
  what: string,
  path: string,
  timeoutMs: number,
  body?: unknown,
): Promise<unknown> {
  const url = `${target.apiEndpoint}/v1/${path}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const deadline = Date.now() + timeoutMs;
  let backoff = FIRST_BACKOFF_MS;
  for (let attempt = 1; ; attempt++) {
    let failure: PubSubPublishError;
    try {
      const headers = new Headers(await target.authorize());
      if (payload !== undefined)
        headers.set('content-type', 'application/json');
      const response = await fetch(url, {
        method: payload === undefined ? 'GET' : 'POST',
        headers,
        ...(payload === undefined ? {} : {body: payload}),
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      });
      const text = await response.text();
      if (response.ok) return JSON.parse(text) as unknown;
      failure = new PubSubPublishError(
        `${what} answered ${response.status}: ${text.slice(0, 300)}`,
        response.status,
      );
      if (!RETRIED_STATUSES.has(response.status)) throw failure;
    } catch (error) {
      if (
        error instanceof PubSubPublishError &&
        !(error.status !== undefined && RETRIED_STATUSES.has(error.status))
      )
        throw error;
      failure =
        error instanceof PubSubPublishError
          ? error
          : new PubSubPublishError(
              `${what} failed: ${(error as Error).message}`,
              undefined,
              {cause: error},
            );
    }
    if (Date.now() + backoff >= deadline) {
      throw new PubSubPublishError(
        `${what} gave up after ${attempt} attempts within ${timeoutMs} ms: ${failure.message}`,
        failure.status,
        {cause: failure},
      );
    }
    await sleep(backoff);
    backoff = Math.min(backoff * BACKOFF_FACTOR, MAX_BACKOFF_MS);
  }
}

export const topicPath = (project: string, topic: string) =>
  `projects/${encodeURIComponent(project)}/topics/${encodeURIComponent(topic)}`;

/** Publishes messages to the topic in one request, resolving with their message ids in order. */
export async function publishMessages(
  target: PubSubRestTarget,
  project: string,
  topic: string,
  messages: readonly PubSubMessage[],
  timeoutMs: number,
): Promise<string[]> {
  const body = {
    messages: messages.map(m => ({
      data: m.data.toString('base64'),
      attributes: m.attributes,
    })),
  };
  const answer = (await pubsubRestCall(
    target,
    `publish to ${topic}`,
    `${topicPath(project, topic)}:publish`,
    timeoutMs,
    body,
  )) as {messageIds?: unknown[]};
  const ids = answer.messageIds;
  if (
    !Array.isArray(ids) ||
    ids.length !== messages.length ||
    !ids.every(id => typeof id === 'string')
  ) {
    throw new PubSubPublishError(
      `publish to ${topic} answered ${JSON.stringify(answer).slice(0, 200)} for ${messages.length} messages`,
    );
  }
  return ids as string[];
}

/** Publishes one message to the topic at once, resolving with its message id once Pub/Sub accepted it. */
export function restTopicPublisher(
  target: PubSubRestTarget,
  project: string,
  topic: string,
  timeoutMs: number,
): (message: PubSubMessage) => Promise<string> {
  return async message =>
    (await publishMessages(target, project, topic, [message], timeoutMs))[0]!;
}
