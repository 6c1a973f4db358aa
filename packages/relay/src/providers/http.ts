import { ConnectorError } from './types.js';

/** One HTTP call to a provider API. */
export interface ProviderRequest {
  /** The provider's name, used in error messages (`Telegram`, `WhatsApp Cloud API`…). */
  provider: string;
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** A pre-serialised body; the caller sets its `content-type`. */
  body?: string;
  /** The worker's timeout signal; an abort becomes a transient `provider_timeout`. */
  signal: AbortSignal;
}

/** What the provider answered, whatever the status. */
export interface ProviderResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the body text when it is not JSON, or null when empty. */
  body: unknown;
}

/**
 * Calls a provider API with `fetch`. Resolves with any HTTP answer (2xx or not) so each connector
 * can read its provider's own error codes first; rejects only with a transient `ConnectorError`
 * when no answer came (timeout, abort, network failure). Error messages never include the URL,
 * because some providers put the secret in it (Telegram's `/bot<token>/`, Slack's webhook path).
 */
export async function callProvider(request: ProviderRequest): Promise<ProviderResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body = request.body;
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  } else if (request.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form).toString();
  }

  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers,
      body,
      signal: request.signal,
      redirect: 'manual',
    });
    text = await response.text();
  } catch (error) {
    throw networkError(request.provider, error, request.signal.aborted);
  }
  return { status: response.status, headers: response.headers, body: parseBody(text) };
}

/**
 * Turns a failure to get any answer into a transient `ConnectorError`: `provider_timeout` when the
 * call was aborted or timed out (`timedOut`, or an AbortError/TimeoutError/ETIMEDOUT), else
 * `provider_unavailable` with the socket error code (ECONNREFUSED…).
 */
export function networkError(provider: string, error: unknown, timedOut = false): ConnectorError {
  const cause = sanitize(error);
  if (timedOut || isTimeout(error)) {
    return new ConnectorError('transient', 'provider_timeout', `${provider} did not answer in time`, { cause });
  }
  const code = errorCode(error);
  return new ConnectorError(
    'transient',
    'provider_unavailable',
    `${provider} could not be reached${code ? ` (${code})` : ''}`,
    {
      providerCode: code,
      cause,
    },
  );
}

/**
 * A copy of a transport error with only its name, message and code: HTTP clients hang the request
 * on their errors (axios keeps `config.headers.Authorization`), and causes end up in logs.
 */
function sanitize(error: unknown): Error {
  const copy = new Error(error instanceof Error ? error.message : String(error));
  copy.name = error instanceof Error ? error.name : 'Error';
  const code = errorCode(error);
  if (code) Object.assign(copy, { code });
  return copy;
}

/**
 * The fallback mapping of a non-2xx answer, used after a connector has checked its provider's own
 * codes: 429 → transient `provider_rate_limited` honouring `Retry-After`; 408 and 5xx → transient
 * `provider_unavailable`; 401/403 → permanent `provider_auth_failed`; anything else → permanent
 * `provider_rejected`. The HTTP status is kept as the provider code unless one is given.
 */
export function httpError(
  provider: string,
  response: ProviderResponse,
  detail?: { message?: string | null; providerCode?: string | number | null },
): ConnectorError {
  const { status } = response;
  const providerCode = detail?.providerCode ?? status;
  const suffix = detail?.message ? `: ${detail.message}` : '';
  if (status === 429) {
    return new ConnectorError(
      'transient',
      'provider_rate_limited',
      `${provider} is rate limiting (HTTP 429)${suffix}`,
      {
        providerCode,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      },
    );
  }
  if (status === 408 || status >= 500) {
    return new ConnectorError('transient', 'provider_unavailable', `${provider} failed (HTTP ${status})${suffix}`, {
      providerCode,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    });
  }
  if (status === 401 || status === 403) {
    return new ConnectorError(
      'permanent',
      'provider_auth_failed',
      `${provider} refused the credentials (HTTP ${status})${suffix}`,
      {
        providerCode,
      },
    );
  }
  return new ConnectorError(
    'permanent',
    'provider_rejected',
    `${provider} rejected the message (HTTP ${status})${suffix}`,
    {
      providerCode,
    },
  );
}

/**
 * Parses an HTTP `Retry-After` value (delay-seconds or an HTTP-date, RFC 9110 §10.2.3) into
 * milliseconds from now; null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (value == null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(at - now, 0);
}

/**
 * Points `url` at `baseUrl` when one is given, keeping the path and query: tests pass a local
 * server's origin and the connector keeps building the provider's real paths.
 * `rebase('https://hooks.slack.com/services/T/B/X', 'http://127.0.0.1:4000')` →
 * `http://127.0.0.1:4000/services/T/B/X`.
 */
export function rebase(url: string, baseUrl: string | undefined): string {
  if (!baseUrl) return url;
  const target = new URL(url);
  return `${baseUrl.replace(/\/+$/, '')}${target.pathname}${target.search}`;
}

/** Joins a base URL and a path without doubling slashes. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Reads a nested property of an unknown JSON value without casts at every step. */
export function pick(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** A header of a webhook request, whatever its case. */
export function headerOf(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  if (headers[wanted] !== undefined) return headers[wanted];
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isTimeout(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined;
  return name === 'AbortError' || name === 'TimeoutError' || errorCode(error) === 'ETIMEDOUT';
}

function errorCode(error: unknown): string | null {
  // undici wraps the socket error: `TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })`.
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = pick(current, 'code');
    if (typeof code === 'string') return code;
    current = pick(current, 'cause');
  }
  return null;
}
