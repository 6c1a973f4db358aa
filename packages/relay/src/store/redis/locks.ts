import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { noLock, type InFlightLocks } from '../shared-state.js';

/** Deletes the lock only if this holder still holds it (its token), in one step. */
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Sets the lock's time to live again only if this holder still holds it, in one step. */
const EXTEND_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

interface WithScripts {
  messagejsReleaseLock(key: string, token: string): Promise<number>;
  messagejsExtendLock(key: string, token: string, ttlMs: number): Promise<number>;
}

/**
 * In-flight locks on Redis: `SET <prefix>lock:<name> <token> NX PX <ttl>`, released by a
 * compare-and-delete on the token, so a holder whose lock expired never frees the next holder's.
 * The holder extends its lock (compare-and-`PEXPIRE`) every third of `ttl` until it releases it:
 * a live holder keeps it however long it works, and a holder that died (`kill -9`) blocks the name
 * for at most `ttl`. When Redis fails, `acquire` answers a lock that holds nothing and reports the
 * failure.
 */
export function redisLocks(client: Redis, prefix: string, onFailure: (error: unknown) => void): InFlightLocks {
  client.defineCommand('messagejsReleaseLock', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  client.defineCommand('messagejsExtendLock', { numberOfKeys: 1, lua: EXTEND_SCRIPT });
  const scripts = client as unknown as WithScripts;
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
      const keeper = setInterval(
        () =>
          void scripts.messagejsExtendLock(key, token, ttlMs).then((kept) => {
            // Gone (expired while Redis was out of reach): another holder may have it now.
            if (kept === 0) clearInterval(keeper);
          }, onFailure),
        Math.max(Math.floor(ttlMs / 3), 10),
      );
      keeper.unref?.();
      return {
        release() {
          clearInterval(keeper);
          return scripts.messagejsReleaseLock(key, token).then(() => undefined, onFailure);
        },
      };
    },
  };
}
