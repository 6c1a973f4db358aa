import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import cors from 'cors';
import type { ApiRequest, ApiResponse } from './handler.js';
import { protocolOf, type TrustProxy } from './request-info.js';
import { AppError } from '../../domain/app-error.js';
import type { KeyPrincipal } from '../../domain/principal.js';

const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'];
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Idempotent-Replayed',
];

/**
 * Answers the CORS preflights of the routes that take a project key, for any origin: a preflight
 * carries no key, so it cannot tell which project the page belongs to. The real request is then
 * checked against its own project (`checkCallerOrigin`), and a refusal is answered so that the
 * page can read it (issue 12: a page on an origin the project does not allow saw only a CORS
 * error). These routes take Bearer credentials only, never cookies, so no `Allow-Credentials`.
 * A preflight without an `Origin` is passed on (and refused by the next handler).
 */
export function preflight(): RequestHandler {
  return cors({
    origin: (origin, callback) => callback(null, origin ?? false),
    methods: ['GET', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}

const EXPOSED = EXPOSED_HEADERS.join(', ');

/** Sets the CORS answer headers for one origin, so that its page can read the answer. */
export function allowOrigin(res: ApiResponse, origin: string): void {
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', EXPOSED);
  const vary = res.getHeader('Vary');
  res.setHeader('Vary', vary === undefined ? 'Origin' : `${String(vary)}, Origin`);
}

/** Notes a request refused for its origin (`originRefusals`). */
export type OriginRefusals = (origin: string, caller: KeyPrincipal) => void;

/**
 * Logs each refused origin at warn with the origin, the project and the key, at most once per
 * `intervalMs` for the same project and origin, so that a busy page on a wrong origin cannot
 * flood the log. Remembers at most `maxEntries` pairs (the oldest is forgotten first).
 */
export function originRefusals(options: {
  logger: Logger;
  now: () => number;
  intervalMs?: number;
  maxEntries?: number;
}): OriginRefusals {
  const interval = options.intervalMs ?? 60_000;
  const max = options.maxEntries ?? 1000;
  const lastLogged = new Map<string, number>();
  return function noteOriginRefusal(origin, { key, project }) {
    const pair = `${project.id} ${origin}`;
    const now = options.now();
    const last = lastLogged.get(pair);
    if (last !== undefined && now - last < interval) return;
    lastLogged.delete(pair);
    if (lastLogged.size >= max) lastLogged.delete(lastLogged.keys().next().value!);
    lastLogged.set(pair, now);
    options.logger.warn(
      { origin: origin.slice(0, 300), projectId: project.id, keyId: key.id },
      'refused a request from an origin its project does not allow',
    );
  };
}

/** The refusal of a page origin, naming the two ways to allow it. */
function originNotAllowed(origin: string, projectId: string): AppError {
  const shown = origin.slice(0, 300);
  return new AppError(
    'origin_not_allowed',
    `Origin ${shown} is not allowed for project ${projectId}: run \`messagejs-relay origins add ${shown} --project ${projectId}\` on the relay's host, or call POST /v1/projects/${projectId}/origins.`,
  );
}

/**
 * Pipeline step 2 (docs/architecture.md). A public key's request must come from one of its
 * project's origins (and gets CORS headers for it); a refusal carries the CORS headers too, so the
 * page reads `403 origin_not_allowed` rather than a network error, and nothing is sent. A secret
 * key's request must carry no `Origin` at all, because a secret key in a browser has leaked.
 */
export function checkCallerOrigin(
  req: ApiRequest,
  res: ApiResponse,
  caller: KeyPrincipal,
  trust: TrustProxy,
  refusals: OriginRefusals,
): void {
  const origin = req.headers.origin;
  const { key, project } = caller;
  if (key.kind === 'secret') {
    if (origin !== undefined) {
      throw new AppError(
        'secret_key_in_browser',
        'A secret key was sent from a browser. Revoke it now (`messagejs-relay keys revoke`) and use a public key in pages.',
      );
    }
    return;
  }
  // Browsers send no Origin on same-origin GETs (Fetch standard); they do send
  // `Sec-Fetch-Site: same-origin`, and then the page's origin is the relay's own.
  const pageOrigin =
    origin ??
    (req.headers['sec-fetch-site'] === 'same-origin' ? `${protocolOf(req, trust)}://${req.headers.host}` : undefined);
  if (pageOrigin === undefined) {
    throw new AppError(
      'origin_not_allowed',
      'A public key (pk_…) works only from a web page on an origin its project allows, and this request names no origin. From a server, use a secret key (sk_…).',
    );
  }
  if (origin) allowOrigin(res, origin);
  if (project.allowedOrigins.includes(pageOrigin)) return;
  refusals(pageOrigin, caller);
  throw originNotAllowed(pageOrigin, project.id);
}
