import type { ApiRequest, ApiResponse } from './handler.js';
import { clientIp, type TrustProxy } from './request-info.js';
import { enforceLimit, type RateLimitStore } from '../../store/rate-limits.js';
import type { LimitState } from '../../domain/app-error.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { localsOf } from './locals.js';

/**
 * Pipeline step 4 (docs/architecture.md), request dimensions: every request counts against its key, and a public key's
 * also against the client IP (kept in `res.locals.clientIp` for the send's own limits). The key's
 * state is reported in `RateLimit-*` headers.
 */
export async function countRequest(
  req: ApiRequest,
  res: ApiResponse,
  { key, project }: KeyPrincipal,
  store: RateLimitStore,
  trust: TrustProxy,
): Promise<void> {
  // A key's own limit (issue 12) replaces the project's per-key one; keys without one pay nothing more.
  const own = key.rateLimit;
  const state = await enforceLimit(store, project.limits, 'key', key.id, own?.perHour);
  if (own?.perMinute !== undefined) await enforceLimit(store, project.limits, 'keyMinute', key.id, own.perMinute);
  if (key.kind === 'public') {
    const ip = clientIp(req, trust) || 'unknown';
    localsOf(res).clientIp = ip;
    await enforceLimit(store, project.limits, 'ip', `${project.id}:${ip}`);
  }
  setRateLimitHeaders(res, state);
}

/** `RateLimit-Limit/Remaining/Reset` headers (IETF draft, delta seconds). */
export function setRateLimitHeaders(res: ApiResponse, state: LimitState): void {
  res.setHeader('RateLimit-Limit', String(state.limit));
  res.setHeader('RateLimit-Remaining', String(state.remaining));
  res.setHeader('RateLimit-Reset', String(state.resetSeconds));
}
