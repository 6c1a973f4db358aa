import type { Request, Response } from 'express';
import { enforceLimit, rateLimitHeaders, type RateLimitStore } from '../core/rate-limits.js';
import type { Caller } from '../core/send-message.js';

/**
 * DESIGN step 4, request dimensions: every request counts against its key, and a public key's
 * also against the client IP. The key's state is reported in `RateLimit-*` headers.
 */
export async function countRequest(req: Request, res: Response, { key, project }: Caller, store: RateLimitStore): Promise<void> {
  const state = await enforceLimit(store, project.limits, 'key', key.id);
  if (key.kind === 'public') await enforceLimit(store, project.limits, 'ip', `${project.id}:${req.ip ?? 'unknown'}`);
  const headers = rateLimitHeaders(state);
  for (const name in headers) res.setHeader(name, headers[name]!);
}
