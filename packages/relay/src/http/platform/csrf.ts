import { headers } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { isCsrfToken } from '../../crypto/csrf.js';
import type { ApiRequest, Handler } from './handler.js';
import { protocolOf, type TrustProxy } from './request-info.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** True for the methods that change something (they need CSRF protection when a cookie authenticates them). */
export function isUnsafeMethod(method: string | undefined): boolean {
  return UNSAFE.has(method ?? 'GET');
}

const refused = (why: string) => new AppError('csrf_failed', `Cross-site request refused: ${why}.`);

/**
 * Refuses a request a page on another site could have made: an `Origin` other than the relay's
 * own (as reached, or its public URL), or `Sec-Fetch-Site: cross-site`. No `Origin` passes (API
 * clients and same-origin GETs send none). Sign-in, set-up and registration take no cookie but
 * still check this, against login CSRF.
 */
export function checkSameOrigin(req: ApiRequest, trust: TrustProxy, publicUrl: string | null): void {
  if (req.headers['sec-fetch-site'] === 'cross-site') throw refused('`Sec-Fetch-Site: cross-site`');
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (origin === `${protocolOf(req, trust)}://${req.headers.host ?? ''}`) return;
  if (publicUrl !== null && origin === new URL(publicUrl).origin) return;
  throw refused(`the request comes from ${origin.slice(0, 200)}, not from this relay`);
}

/**
 * CSRF protection of a cookie-authenticated write (OWASP: signed double-submit token plus an
 * Origin check): the `X-CSRF-Token` header must be the session's token, and the request must come
 * from the relay's own origin. Otherwise `403 csrf_failed`.
 */
export function checkCsrf(
  req: ApiRequest,
  options: { csrfKey: Buffer; sessionId: string; trust: TrustProxy; publicUrl: string | null },
): void {
  const token = req.headers[headers.csrfToken.toLowerCase()];
  if (!isCsrfToken(options.csrfKey, options.sessionId, typeof token === 'string' ? token : undefined)) {
    throw refused(`a cookie-authenticated write needs the session's \`${headers.csrfToken}\` header`);
  }
  checkSameOrigin(req, options.trust, options.publicUrl);
}

/** Middleware: `checkSameOrigin` for the routes that sign people in (no cookie yet, but login CSRF). */
export function sameOriginOnly(options: { trust: TrustProxy; publicUrl: string | null }): Handler {
  return function sameOriginOnlyMiddleware(req, _res, next) {
    try {
      checkSameOrigin(req, options.trust, options.publicUrl);
    } catch (error) {
      return next(error);
    }
    next();
  };
}
