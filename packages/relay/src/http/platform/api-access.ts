import type { Handler } from './handler.js';
import type { TrustProxy } from './request-info.js';
import type { RateLimitStore } from '../../store/rate-limits.js';
import { authenticateRequest, type AdminSendOptions, type KeyCache } from './authenticate.js';
import { checkCallerOrigin, type OriginRefusals } from './origin.js';
import { checkSameOrigin } from './csrf.js';
import { countRequest } from './limits.js';

/**
 * Pipeline steps 1, 2 and 4 for every `/v1` API request, in order (docs/architecture.md): the key (401), the origin rules
 * (403), the key and client-IP limits (429). One middleware rather than three, because the hot
 * path pays for every layer Express walks.
 */
export function apiAccess(options: {
  cache: KeyCache;
  now: () => number;
  limits: RateLimitStore;
  trust: TrustProxy;
  /** Logs the origins refused (`originRefusals`). */
  refusals: OriginRefusals;
  /** Lets admin credentials send (the message routes only). */
  admin?: AdminSendOptions & { publicUrl: string | null };
  /** Records each key's last use (batched: `features/accounts/last-used.ts`); a request refused for its origin is not one. */
  onKeyUsed?: (keyId: string, at: number) => void;
}): Handler {
  return async function apiAccessMiddleware(req, res, next) {
    try {
      const caller = await authenticateRequest(req, res, options);
      if (caller.actingFor === undefined) {
        checkCallerOrigin(req, res, caller, options.trust, options.refusals);
        options.onKeyUsed?.(caller.key.id, options.now());
      } else {
        // An admin credential has no origins of its own: like a secret key, it sends from servers,
        // or from the relay's own pages. The preflight lets any page through (origin.ts).
        checkSameOrigin(req, options.trust, options.admin?.publicUrl ?? null);
      }
      await countRequest(req, res, caller, options.limits, options.trust);
    } catch (error) {
      return next(error);
    }
    next();
  };
}
