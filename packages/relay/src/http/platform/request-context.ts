import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { Logger } from 'pino';
import { headers } from '@messagejs/shared-types';
import type { HttpMetrics } from '../../metrics/relay-metrics.js';
import { localsOf } from './locals.js';
import type { Handler } from './handler.js';
import { withoutQuery } from './request-info.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * helmet's headers, computed by helmet once. With static options (no CSP directive given as a
 * function), helmet sets the same headers on every response: running its chain of thirteen
 * middleware per request only to produce them again is work the hot path need not do
 * (BENCHMARKS.md, session 3). They are captured from one run and set with one loop. Any sign that the options are not
 * static (a function directive, a chain that does not finish synchronously) keeps helmet itself
 * in the request path.
 */
export function securityHeaders(
  options: Readonly<HelmetOptions>,
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  const middleware = helmet(options);
  const hasFunctionDirective = Object.values(
    (typeof options.contentSecurityPolicy === 'object' && options.contentSecurityPolicy.directives) || {},
  ).some(
    (value) => typeof value === 'function' || (Array.isArray(value) && value.some((v) => typeof v === 'function')),
  );
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  let finished = false;
  const probe = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set.push([name, String(value)]);
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  middleware(
    { headers: {}, method: 'GET', url: '/' } as IncomingMessage,
    probe as unknown as ServerResponse,
    (error?: unknown) => {
      finished = !error;
    },
  );
  if (hasFunctionDirective || !finished) return middleware;
  return function securityHeadersMiddleware(_req, res, next) {
    for (let i = 0; i < set.length; i++) res.setHeader(set[i]![0], set[i]![1]);
    for (let i = 0; i < removed.length; i++) res.removeHeader(removed[i]!);
    next();
  };
}

/** Request ids: a per-process random prefix and a counter (unique, cheap; not a secret). */
function requestIds(): () => string {
  const prefix = `req_${randomBytes(9).toString('base64url')}`;
  let counter = 0;
  return () => `${prefix}${(++counter).toString(36).padStart(8, '0')}`;
}

/**
 * The first middleware of every request, in one step: its id (a sane incoming `X-Request-Id` is
 * kept) echoed in `X-Request-Id`, helmet's headers, and one log line when it finishes — method,
 * path (no query string: it may carry secrets), status, duration, request id and the key's
 * prefix; never the key, body or recipient. With `metrics`, the answer is counted under its
 * route's pattern (`res.locals.route`, set by the router), or `(other)`.
 */
export function requestContext(options: {
  logger: Logger;
  helmet: Readonly<HelmetOptions>;
  metrics?: HttpMetrics | null;
}): Handler {
  const metrics = options.metrics ?? null;
  // The request line is built here from fixed fields that hold no secret (method, path without
  // query, status, timing, ids, key prefix), so it skips the redaction pass every other log line
  // gets: that pass was a tenth of the request log's cost.
  const logger = options.logger.child({}, { redact: { paths: [], censor: '[redacted]' } });
  const applySecurityHeaders = securityHeaders(options.helmet);
  const nextId = requestIds();
  return function requestContextMiddleware(req, res, next) {
    const started = performance.now();
    const incoming = req.headers[headers.requestId.toLowerCase()];
    const id = typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : nextId();
    const locals = localsOf(res);
    locals.requestId = id;
    res.setHeader(headers.requestId, id);
    res.on('finish', () => {
      const ms = performance.now() - started;
      if (metrics !== null) (locals.route ?? metrics.other(req.method ?? 'GET')).observe(res.statusCode, ms / 1000);
      if (!logger.isLevelEnabled('info')) return;
      logger.info(
        {
          requestId: id,
          method: req.method,
          path: withoutQuery(req.originalUrl ?? req.url ?? '/'),
          status: res.statusCode,
          ms: Math.round(ms * 1000) / 1000,
          keyPrefix: locals.principal?.kind === 'key' ? locals.principal.key.prefix : undefined,
        },
        'request',
      );
    });
    applySecurityHeaders(req, res, next);
  };
}
