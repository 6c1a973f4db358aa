import crypto from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import type { RelayDeps } from '@messagejs/relay';
import { startRelay, type TestRelay } from './start-relay.js';

/** The server the Redis suites use: `MESSAGEJS_TEST_REDIS_URL`, else the local one. */
export const testRedisUrl = process.env.MESSAGEJS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let available: Promise<boolean> | null = null;

/** Whether the test server answers a PING (asked once per process); says so on stderr when it does not. */
export function redisAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = new Redis(testRedisUrl, {
      lazyConnect: true,
      connectTimeout: 1000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return true;
    } catch {
      process.stderr.write(
        `Redis suites skipped: nothing answers at ${testRedisUrl} (start redis-server, or set MESSAGEJS_TEST_REDIS_URL).\n`,
      );
      return false;
    } finally {
      client.disconnect();
    }
  })();
  return available;
}

/** A key prefix of its own for one test: `messagejs:test:<random>:`. */
export function testPrefix(): string {
  return `messagejs:test:${crypto.randomBytes(6).toString('hex')}:`;
}

/** A plain client on the test server, for looking at what the relays wrote. */
export function testClient(): Redis {
  return new Redis(testRedisUrl, { maxRetriesPerRequest: 1 });
}

/** Deletes every key under `prefix` (and nothing else), then closes `client`. */
export async function flushPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await client.quit();
}

/** A `redis://` URL to a local port where nothing listens: connections are refused at once. */
export async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `redis://127.0.0.1:${port}`;
}

/** A proxy in front of the test server, for making Redis fail. */
export interface RedisProxy {
  url: string;
  /** Every connection dropped, new ones refused: Redis went away. */
  down(): Promise<void>;
  /** Listening again: Redis is back. */
  up(): Promise<void>;
  /** Connections stay open but Redis's replies are dropped: Redis hangs. */
  stall(): void;
  /** Replies flow again (on connections made from now on: the stalled ones lost replies). */
  unstall(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of the test server that the test can cut, restore and stall: Redis going
 * away, coming back and hanging, without touching the server other suites use.
 */
export async function redisProxy(): Promise<RedisProxy> {
  const target = new URL(testRedisUrl);
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port || 6379), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.on('data', (chunk: Buffer) => {
      if (!stalled) inbound.write(chunk);
    });
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const { port } = server.address() as net.AddressInfo;
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  // The test server's URL (credentials, database) with the proxy's address.
  const url = new URL(testRedisUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    down: stop,
    up: () => listen(port),
    stall() {
      stalled = true;
    },
    unstall() {
      stalled = false;
    },
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}

/** Relays in this process on one database (SQLite in one data directory, or `MESSAGEJS_DATABASE_URL`) and one Redis. */
export interface RelayGroup {
  relays: TestRelay[];
  /** Their key prefix in Redis. */
  prefix: string;
  /** Closes the relays, removes the data directory and deletes the prefix's keys. */
  cleanup(): Promise<void>;
}

/** Two of them, named. */
export interface RelayPair extends RelayGroup {
  a: TestRelay;
  b: TestRelay;
}

/**
 * Starts `count` relays: the first creates the demo project, the others open its data directory
 * (and its database), all with `MESSAGEJS_REDIS_URL=url` (the test server by default) and the
 * same fresh key prefix.
 */
export async function startRelays(
  count: number,
  options: { url?: string; deps?: RelayDeps; env?: Record<string, string> } = {},
): Promise<RelayGroup> {
  const prefix = testPrefix();
  const env = { MESSAGEJS_REDIS_URL: options.url ?? testRedisUrl, ...options.env };
  const deps: RelayDeps = { ...options.deps, redis: { keyPrefix: prefix, ...options.deps?.redis } };
  const first = await startRelay({ env, deps });
  const relays = [first];
  while (relays.length < count) relays.push(await startRelay({ env, deps, dataDir: first.dataDir, demo: first.demo }));
  return {
    relays,
    prefix,
    async cleanup() {
      for (const relay of relays.slice(1)) await relay.close();
      await first.cleanup();
      if (await redisAvailable()) await flushPrefix(testClient(), prefix);
    },
  };
}

/** Two relays on one database and one Redis (`startRelays(2)`), as `a` and `b`. */
export async function startRelayPair(options: Parameters<typeof startRelays>[1] = {}): Promise<RelayPair> {
  const group = await startRelays(2, options);
  return { ...group, a: group.relays[0]!, b: group.relays[1]! };
}
