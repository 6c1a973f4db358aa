import type { RequestHandler } from 'express';
import type { ApiRequest, ApiResponse } from './handler.js';
import { protocolOf, type TrustProxy } from './request-info.js';
import cors from 'cors';
import type { Store } from '../../store/types.js';
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
 * The origins any project allows, cached briefly. Preflight requests carry no key, so they can
 * only be answered against this union; the real request is then checked against its own project.
 */
export function createOriginDirectory(store: Store, options: { ttlMs: number; now: () => number }) {
  let cached: { set: Set<string>; expires: number } | null = null;
  return {
    async has(origin: string): Promise<boolean> {
      if (!cached || cached.expires <= options.now()) {
        const projects = await store.projects.list();
        cached = { set: new Set(projects.flatMap((p) => p.allowedOrigins)), expires: options.now() + options.ttlMs };
      }
      return cached.set.has(origin);
    },
    clear() {
      cached = null;
    },
  };
}
export type OriginDirectory = ReturnType<typeof createOriginDirectory>;

/** Answers CORS preflights for origins some project allows; others get no CORS headers. */
export function preflight(directory: OriginDirectory): RequestHandler {
  return cors({
    origin: (origin, callback) => {
      if (!origin) return callback(null, false);
      directory.has(origin).then((ok) => callback(null, ok ? origin : false), callback);
    },
    methods: ['GET', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}

const EXPOSED = EXPOSED_HEADERS.join(', ');

/** Sets the CORS answer headers for one allowed origin. */
export function allowOrigin(res: ApiResponse, origin: string): void {
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', EXPOSED);
  const vary = res.getHeader('Vary');
  res.setHeader('Vary', vary === undefined ? 'Origin' : `${String(vary)}, Origin`);
}

/**
 * Pipeline step 2 (docs/architecture.md). A public key's request must come from one of its project's origins (and gets
 * CORS headers for it alone); a secret key's request must carry no `Origin` at all, because a
 * secret key in a browser has leaked.
 */
export function checkCallerOrigin(
  req: ApiRequest,
  res: ApiResponse,
  { key, project }: KeyPrincipal,
  trust: TrustProxy,
): void {
  const origin = req.headers.origin;
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
  if (!pageOrigin || !project.allowedOrigins.includes(pageOrigin)) {
    throw new AppError(
      'origin_not_allowed',
      `Origin ${pageOrigin ?? '(none)'} is not allowed for this key. Add it with \`messagejs-relay origins add\`.`,
    );
  }
  if (origin) allowOrigin(res, origin);
}
