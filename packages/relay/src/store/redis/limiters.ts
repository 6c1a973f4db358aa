import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type {
  RateLimiterMemory as RateLimiterMemoryType,
  RateLimiterRedis as RateLimiterRedisType,
} from 'rate-limiter-flexible';
import type { LimiterOptions, MakeLimiter } from '../rate-limits.js';

// The Redis and memory limiters' own files, as `store/rate-limits.ts` loads the memory one: the
// package's index loads every backend it supports.
const requireCjs = createRequire(import.meta.url);
const RateLimiterRedis = requireCjs('rate-limiter-flexible/lib/RateLimiterRedis.js') as typeof RateLimiterRedisType;
const RateLimiterMemory = requireCjs('rate-limiter-flexible/lib/RateLimiterMemory.js') as typeof RateLimiterMemoryType;

type Consume = RateLimiterMemoryType['consume'];
type Get = RateLimiterMemoryType['get'];
type Delete = RateLimiterMemoryType['delete'];

/**
 * A memory limiter that reports each use: rate-limiter-flexible calls its insurance limiter only
 * when Redis failed, so a use is the sign that limits are counted per process right now.
 */
function reportingMemoryLimiter(options: LimiterOptions, onUse: () => void): RateLimiterMemoryType {
  return new (class extends RateLimiterMemory {
    override consume(...args: Parameters<Consume>): ReturnType<Consume> {
      onUse();
      return super.consume(...args);
    }
    override get(...args: Parameters<Get>): ReturnType<Get> {
      onUse();
      return super.get(...args);
    }
    override delete(...args: Parameters<Delete>): ReturnType<Delete> {
      onUse();
      return super.delete(...args);
    }
  })(options);
}

/**
 * Limiters on Redis, shared by every relay (`RateLimiterRedis`: one Lua `INCRBY` with its expiry
 * per hit, keys `<prefix>rl:<limiter>:<key>`). While Redis is down or not answering, each falls
 * back to its insurance: a memory limiter of the same shape, so each relay counts on its own
 * (N relays allow up to N times the limit) instead of refusing or waiting.
 */
export function redisLimiters(client: Redis, prefix: string, onFallback: (error: Error) => void): MakeLimiter {
  const fellBack = () => onFallback(new Error('a rate-limit command failed: counted in this process'));
  return (options) =>
    new RateLimiterRedis({
      ...options,
      keyPrefix: `${prefix}rl:${options.keyPrefix}`,
      storeClient: client,
      // Straight to the insurance while the connection is down, not after a failed send.
      rejectIfRedisNotReady: true,
      insuranceLimiter: reportingMemoryLimiter(options, fellBack),
    });
}
