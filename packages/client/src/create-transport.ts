import ky, { type HTTPError, type KyInstance } from 'ky';
import type { ErrorBody, ErrorCode } from '@messagejs/shared-types';
import type { ResolvedOptions } from './client-options.js';
import { MessageJSError, type MessageJSErrorOptions } from './messagejs-error.js';
import { solveChallenge } from './solve-challenge.js';

/** The longest `Retry-After`, in seconds, the client waits for; a longer one fails the call. */
export const maxRetryAfter = 60;

/** Network failures, timeouts, 408, 429, every 5xx and `409 idempotency_in_progress` are retried. */
const retryStatusCodes = [408, 429, ...Array.from({ length: 100 }, (_, index) => 500 + index)];

/** Sends one request to the relay and resolves with its JSON answer, or rejects with a `MessageJSError`. */
export type Transport = <T>(
  method: 'GET' | 'POST',
  path: string,
  /** A key the answer must have, or the call fails with `bad_response`. */
  expect: string,
  json?: unknown,
  idempotencyKey?: string,
) => Promise<T>;

/**
 * Seconds from `Retry-After` (delta-seconds or an HTTP date, RFC 9110 §10.2.3), falling back to
 * `RateLimit-Reset` as ky does.
 */
function readRetryAfter(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after') ?? headers?.get('ratelimit-reset');
  if (value == null) return undefined;
  const seconds = Number(value);
  if (!Number.isNaN(seconds)) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The reason `within` rejects with when time runs out. */
const timedOut = Symbol();

/**
 * `promise`, or a rejection with `timedOut` after `ms`. A race rather than an abort: a custom
 * `fetch` may not stop a body on abort, and an answer must never hang a call.
 */
const within = <T>(promise: Promise<T>, ms: number) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(reject, ms, timedOut);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/** Builds the ky instance for one client and the function that maps its outcomes to ours. */
export function createTransport(options: ResolvedOptions): Transport {
  const api = createApi(options);

  // `solved`: this call already answered one proof-of-work challenge; a second is not solved.
  const send = async <T>(
    method: 'GET' | 'POST',
    path: string,
    expect: string,
    json?: unknown,
    idempotencyKey?: string,
    solved?: boolean,
  ): Promise<T> => {
    const url = options.relayUrl + path;
    const fail = (code: string, status: number, detail: string | undefined, extra?: Partial<MessageJSErrorOptions>) =>
      new MessageJSError(
        `Request failed with ${code}${status ? ` (${status})` : ''}: ${method} ${url}${detail ? ` — ${detail}` : ''}`,
        { ...extra, code: code as ErrorCode, status },
      );

    // ky's timeout ends when the headers arrive; `within` bounds reading the body too.
    const controller = new AbortController();
    let response: Response;
    let httpError: HTTPError | undefined;
    try {
      response = await api(url, {
        method,
        json,
        signal: controller.signal,
        // Only when there is one: ky 1 replaces the instance's headers with an explicit `undefined`.
        ...(idempotencyKey && { headers: { 'idempotency-key': idempotencyKey } }),
      });
    } catch (error) {
      const name = (error as Error | undefined)?.name;
      if (name === 'TimeoutError') throw fail('timeout', 0, `no answer within ${options.timeout} ms`, { cause: error });
      if (name !== 'HTTPError') throw fail('network_error', 0, (error as Error | undefined)?.message, { cause: error });
      httpError = error as HTTPError;
      response = httpError.response;
    }

    const { status, headers: answer } = response;
    const text = await within(response.text(), options.timeout).catch((error: unknown) => {
      if (error !== timedOut) throw fail('network_error', 0, (error as Error | undefined)?.message, { cause: error });
      // Stops the download where fetch honours the signal.
      controller.abort();
      throw fail('timeout', 0, `the answer's body did not arrive within ${options.timeout} ms`);
    });

    const body = parseJson(text);
    const relayError = (body as Partial<ErrorBody> | undefined)?.error;
    const requestId = answer.get('x-request-id') ?? relayError?.requestId;
    const notJson = `not the JSON the relay sends (content-type: ${answer.get('content-type') ?? 'none'})`;

    if (httpError) {
      // `captcha_required` with the relay's own proof of work: solve it and send again, once.
      const challenge = relayError?.challenge;
      if (challenge && !solved) {
        const captchaToken = await solveChallenge(challenge);
        if (captchaToken)
          return send<T>(method, path, expect, { ...(json as object), captchaToken }, idempotencyKey, true);
      }
      const retryAfter = readRetryAfter(answer);
      // The body's own fields (`field`, `numberType`) go along; the error keeps only those it declares.
      throw typeof relayError?.code === 'string'
        ? fail(relayError.code, status, relayError.message, { ...relayError, cause: httpError, requestId, retryAfter })
        : fail('bad_response', status, `the error answer is ${notJson}`, { cause: httpError, requestId, retryAfter });
    }
    if (body && typeof body === 'object' && expect in body) return body as never;
    throw fail('bad_response', status, `the answer is ${notJson}, or lacks "${expect}"`, { requestId });
  };
  return send;
}

/** The ky instance of one client: its key, timeout and retry policy. */
function createApi(options: ResolvedOptions): KyInstance {
  const headers = new Headers(options.headers);
  headers.set('accept', 'application/json');
  headers.set('authorization', `Bearer ${options.key}`);

  return ky.create({
    headers,
    timeout: options.timeout,
    fetch: options.fetch,
    retry: {
      limit: options.retries,
      // POST is safe to retry only because every POST carries an Idempotency-Key (see client).
      methods: ['get', 'post'],
      statusCodes: retryStatusCodes,
      afterStatusCodes: retryStatusCodes,
      maxRetryAfter: maxRetryAfter * 1000,
      backoffLimit: 10_000,
      // Half jitter: spreads clients that failed together, and keeps a floor on each wait.
      jitter: (delay) => delay * (0.5 + Math.random() / 2),
      retryOnTimeout: true,
      shouldRetry: async ({ error }) => {
        const response = (error as Partial<HTTPError>).response;
        // Our own retry can reach the relay while the first attempt still runs there: the
        // relay then answers 409 idempotency_in_progress, which is worth waiting out (stripe
        // retries its 409s the same way).
        if (response?.status === 409 || response?.status === 429) {
          const body = (await within(response.clone().json(), options.timeout).catch(() => undefined)) as
            Partial<ErrorBody> | undefined;
          const code = body?.error?.code;
          if (response.status === 409) return code === 'idempotency_in_progress';
          // Only a plain rate limit passes with time. A verification's resend cooldown, send limit
          // or spent attempts are answers for the user, not for a silent retry.
          if (code !== undefined && code !== 'rate_limited') return false;
        }
        // ky clamps a long Retry-After to maxRetryAfter and waits; we would rather fail at once
        // and let the caller see `retryAfter`.
        return (readRetryAfter(response?.headers) ?? 0) > maxRetryAfter ? false : undefined;
      },
    },
  });
}

/** `text` parsed as JSON, or `undefined` when it is not JSON (reported as `bad_response`). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // not JSON: the caller reports it as bad_response
  }
}
