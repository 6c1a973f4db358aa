import type { RequestHandler } from 'express';
import type { RateLimitStore } from '../core/rate-limits.js';
import { authenticateRequest, type KeyCache } from './authenticate.js';
import { checkCallerOrigin, type OriginDirectory } from './origin.js';
import { countRequest } from './limits.js';

/**
 * DESIGN steps 1, 2 and 4 for every `/v1` API request, in order: the key (401), the origin rules
 * (403), the key and client-IP limits (429). One middleware rather than three, because the hot
 * path pays for every layer Express walks.
 */
export function apiAccess(options: { cache: KeyCache; now: () => number; origins: OriginDirectory; limits: RateLimitStore }): RequestHandler {
  return async function apiAccessMiddleware(req, res, next) {
    try {
      const caller = await authenticateRequest(req, res, options);
      checkCallerOrigin(req, res, caller);
      await countRequest(req, res, caller, options.limits);
    } catch (error) {
      return next(error);
    }
    next();
  };
}
