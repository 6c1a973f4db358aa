import { Redis, type RedisOptions } from 'ioredis';

/** How long Redis may take before a command counts as failed: a Redis outage must never hang a request. */
export interface RedisTimeouts {
  /** A connection attempt gives up after this long. @default 2000 */
  connectTimeoutMs: number;
  /** A command without a reply after this long fails (the caller falls back to memory). @default 1000 */
  commandTimeoutMs: number;
  /** A socket that owes replies and has received nothing for this long is dropped and reconnected. @default 3000 */
  socketTimeoutMs: number;
  /** Reconnection attempts back off up to this long between tries. @default 2000 */
  maxReconnectDelayMs: number;
}

export const defaultRedisTimeouts: Readonly<RedisTimeouts> = Object.freeze({
  connectTimeoutMs: 2000,
  commandTimeoutMs: 1000,
  socketTimeoutMs: 3000,
  maxReconnectDelayMs: 2000,
});

/**
 * The options of the relay's connections: commands fail at once while the connection is down (no
 * offline queue, no retry of a command across reconnections) and after `commandTimeoutMs` when
 * Redis does not answer; the connection itself reconnects forever, backing off.
 */
export function connectionOptions(timeouts: RedisTimeouts, name: string): RedisOptions {
  return {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // A command resent after a reconnection would count a hit twice or take a lock its caller gave up on.
    autoResendUnfulfilledCommands: false,
    connectTimeout: timeouts.connectTimeoutMs,
    commandTimeout: timeouts.commandTimeoutMs,
    socketTimeout: timeouts.socketTimeoutMs,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 6), timeouts.maxReconnectDelayMs),
  };
}

/** The two connections of one relay: commands, and a subscriber for the invalidation channel. */
export interface RedisConnections {
  client: Redis;
  subscriber: Redis;
}

/** Opens the relay's connections to `url` (`redis://` or `rediss://`); they connect in the background. */
export function openConnections(url: string, timeouts: RedisTimeouts): RedisConnections {
  return {
    // Commands issued in one turn of the event loop (the limit checks of concurrent requests) go
    // to Redis in one write, and their replies come back in one read.
    client: new Redis(url, { ...connectionOptions(timeouts, 'messagejs-relay'), enableAutoPipelining: true }),
    // `invalidation.ts` subscribes again itself after each reconnection, then forgets the caches.
    subscriber: new Redis(url, { ...connectionOptions(timeouts, 'messagejs-relay-sub'), autoResubscribe: false }),
  };
}

/** Closes both connections: politely when Redis answers, at once after `graceMs` when it does not. */
export async function closeConnections({ client, subscriber }: RedisConnections, graceMs = 500): Promise<void> {
  const polite = Promise.allSettled([client.quit(), subscriber.quit()]);
  await Promise.race([polite, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  client.disconnect();
  subscriber.disconnect();
}
