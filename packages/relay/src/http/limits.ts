import type { ApiRequest, ApiResponse } from './handler.js';
import { clientIp, type TrustProxy } from './request-info.js';
import { enforceLimit, rateLimitHeaders, type RateLimitStore } from '../core/rate-limits.js';
import type { Caller } from '../core/send-message.js';

/**
 * DESIGN step 4, request dimensions: every request counts against its key, and a public key's
 * also against the client IP. The key's state is reported in `RateLimit-*` headers.
 */
export async function countRequest(req: ApiRequest, res: ApiResponse, { key, project }: Caller, store: RateLimitStore, trust: TrustProxy): Promise<void> {
  const state = await enforceLimit(store, project.limits, 'key', key.id);
  if (key.kind === 'public') await enforceLimit(store, project.limits, 'ip', `${project.id}:${clientIp(req, trust) || 'unknown'}`);
  const headers = rateLimitHeaders(state);
  for (const name in headers) res.setHeader(name, headers[name]!);
}
