import type { RequestHandler } from 'express';
import { enforceLimit, rateLimitHeaders, type RateLimitStore } from '../core/rate-limits.js';
import { callerOf } from './locals.js';

/**
 * DESIGN step 4, request dimensions: every request counts against its key, and a public key's
 * also against the client IP. The key's state is reported in `RateLimit-*` headers.
 */
export function requestLimits(store: RateLimitStore): RequestHandler {
  return async function requestLimitsMiddleware(req, res, next) {
    const { key, project } = callerOf(res);
    const state = await enforceLimit(store, project.limits, 'key', key.id);
    if (key.kind === 'public') await enforceLimit(store, project.limits, 'ip', `${project.id}:${req.ip ?? 'unknown'}`);
    res.set(rateLimitHeaders(state));
    next();
  };
}
