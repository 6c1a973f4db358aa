import fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
import { flushPrefix, redisAvailable, testClient, testPrefix, testRedisUrl } from '../helpers/redis.js';
import { cluster, postMessage, type Cluster } from '../helpers/scale-out.js';
import { DEMO_ORIGIN, tempDir } from '../helpers/start-relay.js';

/**
 * Issue 13: what three relay processes on one PostgreSQL and one Redis share — an
 * `Idempotency-Key` sent to two of them at the same moment stores one message, and a per-IP limit
 * of 20 a minute allows 20 across the three, not 60.
 */

const [postgresUp, redisUp] = await Promise.all([postgresAvailable(), redisAvailable()]);
const skip = !postgresUp
  ? `PostgreSQL at ${testDatabaseUrl} does not answer`
  : !redisUp
    ? `Redis at ${testRedisUrl} does not answer`
    : null;
if (skip) console.warn(`scale-out: relays sharing Redis: skipped (${skip}).`);

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** A fresh database, a fresh Redis key prefix, the demo project, and three relays. */
async function threeRelays(): Promise<{
  c: Cluster;
  urls: string[];
  projectId: string;
  secretKey: string;
  publicKey: string;
  prefix: string;
  db: Awaited<ReturnType<typeof freshDatabase>>;
}> {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  const prefix = testPrefix();
  cleanups.push(() => flushPrefix(testClient(), prefix));
  const c = cluster(root, {
    MESSAGEJS_DATABASE_URL: db.url,
    MESSAGEJS_REDIS_URL: testRedisUrl,
    MESSAGEJS_REDIS_KEY_PREFIX: prefix,
  });
  cleanups.push(() => c.stopAll());
  const { projectId, secretKey, publicKey } = await c.init();
  const relays = await Promise.all(['relay-0', 'relay-1', 'relay-2'].map((name) => c.startRelay(name)));
  return { c, urls: relays.map((r) => r.url), projectId, secretKey, publicKey, prefix, db };
}

describe.skipIf(skip !== null)(
  'scale-out: three relay processes sharing PostgreSQL and Redis',
  { timeout: 90_000 },
  () => {
    it('one Idempotency-Key sent to two relays at the same moment stores one message (10 fresh keys)', async () => {
      const { urls, secretKey, db } = await threeRelays();
      for (let round = 0; round < 10; round++) {
        const key = `same-moment-${round}`;
        const [a, b] = await Promise.all(
          [urls[round % 3]!, urls[(round + 1) % 3]!].map((url) =>
            postMessage(url, secretKey, round, { 'idempotency-key': key }),
          ),
        );
        const answers = [a!, b!];
        // Both answer the one message, or the later one is told the first is still in progress.
        for (const res of answers) expect([202, 409], JSON.stringify(res.body)).toContain(res.status);
        const ids = new Set(answers.filter((r) => r.status === 202).map((r) => r.body.id as string));
        expect(ids.size, JSON.stringify(answers.map((r) => r.body))).toBe(1);
        for (const res of answers.filter((r) => r.status === 409))
          expect(res.body.error.code).toBe('idempotency_in_progress');
      }
      const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
      expect(rows[0]!.n).toBe(10);
    });

    it('a per-IP limit of 20 a minute holds across three relays: 60 requests spread over them, exactly 20 accepted', async () => {
      const { c, urls, projectId, publicKey, prefix } = await threeRelays();
      const limits = JSON.parse(
        await c.run(['limits', 'set', '--project', projectId, '--per-ip-per-minute', '20', '--json']),
      ) as { perIpPerMinute: number };
      expect(limits.perIpPerMinute).toBe(20);
      // A public key from a browser page (the per-IP limit counts public keys' requests).
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          fetch(`${urls[i % 3]}/v1/messages`, {
            method: 'POST',
            headers: { authorization: `Bearer ${publicKey}`, 'content-type': 'application/json', origin: DEMO_ORIGIN },
            body: JSON.stringify({
              template: 'order_update',
              to: `+2126123${String(45_000 + i)}`,
              params: { order: `A-${i}`, eta: 'soon' },
            }),
          }).then(async (res) => ({ status: res.status, headers: res.headers, body: await res.json() })),
        ),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(20);
      expect(statuses.filter((s) => s === 429)).toHaveLength(40);
      for (const res of answers.filter((r) => r.status === 429)) {
        expect(res.body.error.code).toBe('rate_limited');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // Counted in Redis, under this test's MESSAGEJS_REDIS_KEY_PREFIX.
      const redis = testClient();
      const counters = await redis.keys(`${prefix}rl:ip*`);
      await redis.quit();
      expect(counters.length).toBeGreaterThan(0);
    });
  },
);
