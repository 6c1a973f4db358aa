import { createRequire } from 'node:module';
import type { RateLimiterAbstract, RateLimiterMemory as RateLimiterMemoryType } from 'rate-limiter-flexible';

// The package's index loads every backend it supports (Redis, Mongo, Postgres…); requiring the
// memory limiter's own file keeps the others out of the process (`store/redis/limiters.ts` loads
// the Redis one the same way).
const requireCjs = createRequire(import.meta.url);
const RateLimiterMemory = requireCjs('rate-limiter-flexible/lib/RateLimiterMemory.js') as typeof RateLimiterMemoryType;
import type { ProjectLimits } from './types.js';
import { AppError, type LimitState } from '../domain/app-error.js';

/** The dimensions the relay limits, with their fixed windows. */
export const limitWindows = {
  key: 60 * 60,
  /** A key's own per-minute limit (`rateLimit.perMinute`); only keys that set one are counted. */
  keyMinute: 60,
  ip: 60,
  recipient: 10 * 60,
  template: 10 * 60,
  prefix: 60 * 60,
  project: 24 * 60 * 60,
} as const;
export type LimitDimension = keyof typeof limitWindows;

/** The project limit of each dimension; a key's own minute window has none. */
const limitOf: Record<LimitDimension, keyof ProjectLimits | null> = {
  key: 'perKeyPerHour',
  keyMinute: null,
  ip: 'perIpPerMinute',
  recipient: 'perRecipientPer10Minutes',
  template: 'perTemplatePer10Minutes',
  prefix: 'perPrefixPerHour',
  project: 'perProjectPerDay',
};

/**
 * Counts hits per key in fixed windows. The default is in memory (one process); with Redis
 * (`store/redis/`) the same store runs on rate-limiter-flexible's `RateLimiterRedis`, so relays
 * share the counts.
 */
export interface RateLimitStore {
  /** Adds `points` hits (one by default) and returns the count in the current window and the ms until it resets. */
  hit(dimension: LimitDimension, key: string, points?: number): Promise<{ count: number; resetMs: number }>;
  /** Told of each refusal `enforceLimit` answers (the relay's metrics count them by dimension). */
  refused?: ((dimension: LimitDimension) => void) | undefined;
}

/** What the relay asks of a rate-limiter-flexible limiter: its prefix, points, window and block. */
export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  /** The window, in seconds. */
  duration: number;
  /** Seconds a key stays blocked once it consumed more than `points`. */
  blockDuration?: number;
}

/** Makes a rate-limiter-flexible limiter: in this process's memory, or on Redis. */
export type MakeLimiter = (options: LimiterOptions) => RateLimiterAbstract;

/** A limiter in this process's memory. */
export const memoryLimiter: MakeLimiter = (options) => new RateLimiterMemory(options);

/** A rate-limit store on the limiters `make` makes, one per dimension. */
export function createRateLimitStore(make: MakeLimiter): RateLimitStore {
  const limiters = Object.fromEntries(
    Object.entries(limitWindows).map(([dimension, duration]) => [
      dimension,
      // Points are effectively unbounded: each project has its own limit, compared below.
      make({ points: Number.MAX_SAFE_INTEGER, duration, keyPrefix: dimension }),
    ]),
  ) as Record<LimitDimension, RateLimiterAbstract>;
  return {
    async hit(dimension, key, points = 1) {
      const res = await limiters[dimension].consume(key, points);
      return { count: res.consumedPoints, resetMs: res.msBeforeNext };
    },
  };
}

/** `store`, telling `refused` of each refusal `enforceLimit` answers (the relay's metrics). */
export function withRefusals(store: RateLimitStore, refused: (dimension: LimitDimension) => void): RateLimitStore {
  return { hit: (dimension, key, points) => store.hit(dimension, key, points), refused };
}

/** The in-memory store, on rate-limiter-flexible. */
export function createMemoryRateLimitStore(): RateLimitStore {
  return createRateLimitStore(memoryLimiter);
}

const dimensionLabel: Record<LimitDimension, string> = {
  key: 'this key',
  keyMinute: 'this key this minute',
  ip: 'this client IP',
  recipient: 'this recipient',
  template: 'this template (all clients together)',
  prefix: 'this number range',
  project: 'this project today',
};

/**
 * Counts a hit on `dimension` and throws `429 rate_limited` with `Retry-After` and `RateLimit-*`
 * when the limit is exceeded: `own` (a key's own limit) when given, else the project's.
 */
export async function enforceLimit(
  store: RateLimitStore,
  limits: ProjectLimits,
  dimension: LimitDimension,
  key: string,
  own?: number,
  /** Hits this request counts (a bulk request: its messages). */
  points = 1,
): Promise<LimitState> {
  const name = limitOf[dimension];
  const limit = own ?? (name === null ? Number.MAX_SAFE_INTEGER : limits[name]);
  const { count, resetMs } = await store.hit(dimension, key, points);
  const state = { limit, remaining: Math.max(limit - count, 0), resetSeconds: Math.max(Math.ceil(resetMs / 1000), 1) };
  if (count > limit) {
    store.refused?.(dimension);
    throw new AppError(
      'rate_limited',
      `Too many requests for ${dimensionLabel[dimension]}; try again in ${state.resetSeconds} s.`,
      {
        retryAfter: state.resetSeconds,
        rateLimit: state,
      },
    );
  }
  return state;
}
