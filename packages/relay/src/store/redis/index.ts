import type { Logger } from 'pino';
import { createMemorySharedState, type SharedState } from '../shared-state.js';
import { createRateLimitStore } from '../rate-limits.js';
import { createMemorySpentTokens } from '../spent-tokens.js';
import { closeConnections, defaultRedisTimeouts, openConnections, type RedisTimeouts } from './connection.js';
import { createRedisHealth } from './health.js';
import { redisInvalidation } from './invalidation.js';
import { redisLimiters } from './limiters.js';
import { redisLocks } from './locks.js';
import { redisSpentTokens } from './spent-tokens.js';

export { defaultRedisTimeouts, type RedisTimeouts } from './connection.js';

/** The key prefix of everything the relay keeps in Redis. @default 'messagejs:' */
export const DEFAULT_REDIS_KEY_PREFIX = 'messagejs:';

/** What `openRedisSharedState` needs. */
export interface RedisSharedOptions {
  /** `redis://…` or `rediss://…` (`MESSAGEJS_REDIS_URL`). */
  url: string;
  /**
   * Starts every key and the invalidation channel (`<prefix>invalidate`), so installations (and
   * test runs) sharing one Redis never meet. @default 'messagejs:'
   */
  keyPrefix?: string;
  logger: Logger;
  /** The relay's clock (expiry of spent tokens). */
  now: () => number;
  timeouts?: Partial<RedisTimeouts>;
  /** How often a degraded relay asks Redis whether it answers again. @default 1000 */
  probeMs?: number;
}

/**
 * The state relays share through Redis: rate-limit counters and the login throttle
 * (`RateLimiterRedis`, memory as insurance), in-flight locks, spent proof-of-work challenges and
 * cache invalidation (pub/sub). Resolves once the first connection attempt settled: connected, or
 * degraded with one warning logged. Either way the relay serves; what Redis shares falls back to
 * this process while it does not answer, and recovery is logged once too.
 */
export async function openRedisSharedState(options: RedisSharedOptions): Promise<SharedState> {
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const timeouts = { ...defaultRedisTimeouts, ...options.timeouts };
  const connections = openConnections(options.url, timeouts);
  const { client, subscriber } = connections;
  const health = createRedisHealth({
    logger: options.logger,
    probe: () => client.ping(),
    ...(options.probeMs !== undefined && { probeMs: options.probeMs }),
  });
  health.watch('commands', client);
  health.watch('subscriber', subscriber);
  const onFailure = (error: unknown) => health.failed(error);
  const makeLimiter = redisLimiters(client, prefix, onFailure);
  const invalidation = redisInvalidation({ client, subscriber, channel: `${prefix}invalidate`, onFailure });
  const local = createMemorySpentTokens({ now: options.now });
  await health.settled(timeouts.connectTimeoutMs + 500);
  return {
    limits: createRateLimitStore(makeLimiter),
    makeLimiter,
    locks: redisLocks(client, prefix, onFailure),
    spent: redisSpentTokens(client, { prefix, local, now: options.now, onFailure }),
    announce: () => invalidation.announce(),
    onInvalidate: (listener) => invalidation.onInvalidate(listener),
    status: () => health.status(),
    ping: () =>
      client.ping().then(
        () => true,
        () => false,
      ),
    async close() {
      health.close();
      await closeConnections(connections);
    },
  };
}

/**
 * The relay's shared state: on Redis when `redisUrl` (`MESSAGEJS_REDIS_URL`) is set — connected,
 * or degraded with a warning — else in this process's memory, as a single relay keeps it.
 */
export function openSharedState(
  options: Omit<RedisSharedOptions, 'url'> & { redisUrl: string | null },
): Promise<SharedState> {
  const { redisUrl, ...rest } = options;
  if (!redisUrl) return Promise.resolve(createMemorySharedState({ now: options.now }));
  return openRedisSharedState({ url: redisUrl, ...rest });
}
