import type { Handler } from './handler.js';
import type { TrustProxy } from './request-info.js';
import type { RateLimitStore } from '../../store/rate-limits.js';
import { authenticateRequest, type AdminSendOptions, type KeyCache } from './authenticate.js';
import { checkCallerOrigin, type OriginDirectory } from './origin.js';
import { countRequest } from './limits.js';

/**
 * Pipeline steps 1, 2 and 4 for every `/v1` API request, in order (docs/architecture.md): the key (401), the origin rules
 * (403), the key and client-IP limits (429). One middleware rather than three, because the hot
 * path pays for every layer Express walks.
 */
export function apiAccess(options: {
  cache: KeyCache;
  now: () => number;
  origins: OriginDirectory;
  limits: RateLimitStore;
  trust: TrustProxy;
  /** Lets admin credentials send (the message routes only). */
  admin?: AdminSendOptions;
  /** Records each key's last use (batched: `features/accounts/last-used.ts`). */
  onKeyUsed?: (keyId: string, at: number) => void;
}): Handler {
  return async function apiAccessMiddleware(req, res, next) {
    try {
      const caller = await authenticateRequest(req, res, options);
      // Origin rules are a project key's; an admin credential has no origins of its own.
      if (caller.actingFor === undefined) checkCallerOrigin(req, res, caller, options.trust);
      await countRequest(req, res, caller, options.limits, options.trust);
    } catch (error) {
      return next(error);
    }
    next();
  };
}
