import type { ApiRequest, ApiResponse } from './handler.js';
import { clientIp, type TrustProxy } from './request-info.js';
import { enforceLimit, rateLimitHeaders, type RateLimitStore } from '../core/rate-limits.js';
import type { Caller } from '../core/send-message.js';
import { localsOf } from './locals.js';

/**
 * Pipeline step 4 (docs/architecture.md), request dimensions: every request counts against its key, and a public key's
 * also against the client IP (kept in `res.locals.clientIp` for the send's own limits). The key's
 * state is reported in `RateLimit-*` headers.
 */
export async function countRequest(
  req: ApiRequest,
  res: ApiResponse,
  { key, project }: Caller,
  store: RateLimitStore,
  trust: TrustProxy,
): Promise<void> {
  const state = await enforceLimit(store, project.limits, 'key', key.id);
  if (key.kind === 'public') {
    const ip = clientIp(req, trust) || 'unknown';
    localsOf(res).clientIp = ip;
    await enforceLimit(store, project.limits, 'ip', `${project.id}:${ip}`);
  }
  const headers = rateLimitHeaders(state);
  for (const name in headers) res.setHeader(name, headers[name]!);
}
