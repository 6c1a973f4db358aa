import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { noLock, type InFlightLocks } from '../shared-state.js';

/** Deletes the lock only if this holder still holds it (its token), in one step. */
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

interface WithRelease {
  messagejsReleaseLock(key: string, token: string): Promise<number>;
}

/**
 * In-flight locks on Redis: `SET <prefix>lock:<name> <token> NX PX <ttl>`, released by a
 * compare-and-delete on the token, so a holder whose lock expired never frees the next holder's.
 * When Redis fails, `acquire` answers a lock that holds nothing and reports the failure.
 */
export function redisLocks(client: Redis, prefix: string, onFailure: (error: unknown) => void): InFlightLocks {
  client.defineCommand('messagejsReleaseLock', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  const releasing = client as unknown as WithRelease;
  return {
    async acquire(name, ttlMs) {
      const key = `${prefix}lock:${name}`;
      const token = crypto.randomBytes(16).toString('hex');
      try {
        if ((await client.set(key, token, 'PX', ttlMs, 'NX')) === null) return null;
      } catch (error) {
        onFailure(error);
        return noLock;
      }
      return {
        release: () => releasing.messagejsReleaseLock(key, token).then(() => undefined, onFailure),
      };
    },
  };
}
