import type { Redis } from 'ioredis';
import type { SpentTokens } from '../spent-tokens.js';

/**
 * Spent tokens on Redis: `SET <prefix>spent:<token> 1 NX PX <until expiry>`, so a token spent on
 * one relay is spent on all. Each is also remembered in `local` (this process's set): while Redis
 * is down, spending falls back to it, and a token this relay saw spent stays spent here.
 */
export function redisSpentTokens(
  client: Redis,
  options: { prefix: string; local: SpentTokens; now: () => number; onFailure: (error: unknown) => void },
): SpentTokens {
  const { prefix, local, now, onFailure } = options;
  return {
    async spend(token, expiresAt) {
      const ttlMs = Math.max(Math.ceil(expiresAt - now()), 1);
      let fresh: boolean;
      try {
        fresh = (await client.set(`${prefix}spent:${token}`, '1', 'PX', ttlMs, 'NX')) !== null;
      } catch (error) {
        onFailure(error);
        return local.spend(token, expiresAt);
      }
      if (!fresh) return 'spent';
      // Shared already: a full local set only means this relay cannot vouch for it during an outage.
      await local.spend(token, expiresAt);
      return 'fresh';
    },
  };
}
