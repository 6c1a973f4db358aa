import fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
import { flushPrefix, redisAvailable, redisProxy, testClient, testPrefix, testRedisUrl } from '../helpers/redis.js';
import { cluster, until } from '../helpers/scale-out.js';
import { DEMO_ORIGIN, tempDir } from '../helpers/start-relay.js';

/**
 * Issue 13, "Redis down": three relay processes on one PostgreSQL reach Redis through a proxy the
 * test cuts. They keep answering 202, each logs one warning, `/readyz` shows `"redis":
 * "degraded"` and stays 200, and the per-IP limit falls back to what the README's "Several
 * relays: Redis" section says: each relay counts in its own memory, so N relays allow up to N×
 * the limit. Once Redis is back, each logs it once and `/readyz` says `ok` again.
 */

const [postgresUp, redisUp] = await Promise.all([postgresAvailable(), redisAvailable()]);
const skip = !postgresUp
  ? `PostgreSQL at ${testDatabaseUrl} does not answer`
  : !redisUp
    ? `Redis at ${testRedisUrl} does not answer`
    : null;
if (skip) console.warn(`scale-out: Redis down under three relays: skipped (${skip}).`);

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const DEGRADED = /Redis does not answer: until it does, this relay counts rate limits/g;
const RECOVERED = /Redis answers again/g;

async function readyz(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: await res.json() };
}

describe.skipIf(skip !== null)('scale-out: Redis down under three relay processes', { timeout: 90_000 }, () => {
  it('they keep answering 202, log one warning each, /readyz shows the degradation; per-IP limits count per relay (3 × 20); back: shared again', async () => {
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const prefix = testPrefix();
    cleanups.push(() => flushPrefix(testClient(), prefix));
    const proxy = await redisProxy();
    cleanups.push(() => proxy.close());
    const c = cluster(root, {
      MESSAGEJS_DATABASE_URL: db.url,
      MESSAGEJS_REDIS_URL: proxy.url,
      MESSAGEJS_REDIS_KEY_PREFIX: prefix,
    });
    cleanups.push(() => c.stopAll());
    const { projectId, publicKey } = await c.init();
    await c.run(['limits', 'set', '--project', projectId, '--per-ip-per-minute', '20']);
    const relays = await Promise.all(
      ['relay-0', 'relay-1', 'relay-2'].map((name) => c.startRelay(name, { LOG_LEVEL: 'info' })),
    );
    for (const r of relays) expect(await readyz(r.url)).toMatchObject({ status: 200, body: { redis: 'ok' } });

    await proxy.down();
    const send = (url: string, i: number) =>
      fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${publicKey}`, 'content-type': 'application/json', origin: DEMO_ORIGIN },
        body: JSON.stringify({
          template: 'order_update',
          to: `+2126123${String(46_000 + i)}`,
          params: { order: `B-${i}`, eta: 'soon' },
        }),
      }).then((res) => res.status);
    // 22 a relay: each counts its own 20, in memory.
    const statuses: number[] = [];
    for (let i = 0; i < 66; i += 3) {
      const startedAt = Date.now();
      statuses.push(...(await Promise.all(relays.map((r, k) => send(r.url, i + k)))));
      // Never waiting on Redis for long (its commands fail at once while the connection is down).
      expect(Date.now() - startedAt).toBeLessThan(3000);
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    expect(statuses.filter((s) => s !== 202 && s !== 429)).toEqual([]);
    for (const r of relays) {
      expect(await readyz(r.url)).toEqual({
        status: 200,
        body: { status: 'ready', database: 'ok', worker: 'disabled', redis: 'degraded' },
      });
      expect(r.proc.output().match(DEGRADED)).toHaveLength(1);
    }

    await proxy.up();
    for (const r of relays) {
      await until(async () => ((await readyz(r.url)).body.redis === 'ok' ? true : undefined), 'redis: ok', 20_000);
      await until(() => (r.proc.output().match(RECOVERED)?.length === 1 ? true : undefined), 'the recovery logged');
      expect(r.proc.output().match(DEGRADED)).toHaveLength(1);
      expect(r.proc.output()).not.toMatch(/internal_error|unhandled|uncaught/i);
    }
  });
});
