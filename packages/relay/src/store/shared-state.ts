import { createMemoryRateLimitStore, memoryLimiter, type MakeLimiter, type RateLimitStore } from './rate-limits.js';
import { createMemorySpentTokens, type SpentTokens } from './spent-tokens.js';

/** A lock held on a name until `release`, or until its time to live passes after its holder died. */
export interface InFlightLock {
  /** Lets the name go, if this holder still holds it; never throws. */
  release(): Promise<void>;
}

/**
 * Locks on the requests being processed right now (an `Idempotency-Key` in flight), so two relays
 * never process the same one at once.
 */
export interface InFlightLocks {
  /**
   * Takes `name` until `release`: the lock, or `null` when another holder has it. The holder keeps
   * it alive while it runs; one that dies without releasing it blocks `name` for at most `ttlMs`.
   * Never throws: when the locks cannot be reached it answers a lock that holds nothing (the
   * database's unique key stays the final guarantee).
   */
  acquire(name: string, ttlMs: number): Promise<InFlightLock | null>;
}

/** Whether the shared backend answers: `degraded` while what it shares falls back to this process. */
export type SharedStatus = 'ok' | 'degraded';

/**
 * What relays share when Redis is configured (`store/redis/`), and what one process keeps for
 * itself otherwise: rate-limit counters, the login throttle's limiters, in-flight locks, spent
 * proof-of-work challenges, and the announcements that make every relay forget its caches.
 */
export interface SharedState {
  /** The request and send limits' counters. */
  limits: RateLimitStore;
  /** Makes the login throttle's limiters. */
  makeLimiter: MakeLimiter;
  /** The process's own without Redis; shared by every relay with it. */
  locks: InFlightLocks;
  spent: SpentTokens;
  /**
   * Tells the other relays to forget their cached keys, projects and reads (after this one changed
   * them); resolves once sent, never throws. Nothing to do without Redis.
   */
  announce: () => Promise<void>;
  /** Calls `listener` when another relay announced a change, or when announcements may have been missed. */
  onInvalidate: (listener: () => void) => void;
  /** `null` without Redis; else whether it answers. */
  status: () => SharedStatus | null;
  /** With Redis: one `PING`, true when it answered (within the command timeout); absent without Redis. */
  ping?: () => Promise<boolean>;
  close: () => Promise<void>;
}

/** A lock that holds nothing: what an acquire answers when the shared backend cannot be reached. */
export const noLock: InFlightLock = Object.freeze({ release: () => Promise.resolve() });

/**
 * In-flight locks held in this process: enough for one relay, whose concurrent requests with one
 * `Idempotency-Key` would otherwise each count the recipient's limits before meeting in the
 * database's unique key (so a burst of retries could answer `429` to the caller's own retry).
 * A process that dies takes its locks with it, so `ttlMs` has nothing to bound.
 */
export function memoryLocks(): InFlightLocks {
  const held = new Set<string>();
  return {
    acquire(name) {
      if (held.has(name)) return Promise.resolve(null);
      held.add(name);
      let released = false;
      return Promise.resolve({
        release() {
          if (!released) {
            released = true;
            held.delete(name);
          }
          return Promise.resolve();
        },
      });
    },
  };
}

/**
 * One process's own state: memory counters, in-process locks on the `Idempotency-Key`s in flight,
 * nothing to announce.
 */
export function createMemorySharedState(options: { now: () => number }): SharedState {
  return {
    limits: createMemoryRateLimitStore(),
    makeLimiter: memoryLimiter,
    locks: memoryLocks(),
    spent: createMemorySpentTokens({ now: options.now }),
    announce: () => Promise.resolve(),
    onInvalidate: () => {},
    status: () => null,
    close: () => Promise.resolve(),
  };
}
