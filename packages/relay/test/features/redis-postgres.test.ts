import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN, type TestRelay } from '../helpers/start-relay.js';
import { freshDatabase, postgresAvailable } from '../helpers/postgres.js';
import { redisAvailable, startRelays, type RelayGroup } from '../helpers/redis.js';
import { CHEAP_PASSWORDS, setUpOwner } from '../helpers/accounts.js';

// The issue's own figures: several relays on one PostgreSQL database and one Redis.
const both = (await redisAvailable()) && (await postgresAvailable());
if (!both && (await redisAvailable())) {
  process.stderr.write('redis-postgres.test.ts skipped: PostgreSQL does not answer (MESSAGEJS_TEST_DATABASE_URL).\n');
}

let group: RelayGroup | null = null;
let drop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await group?.cleanup();
  await drop?.();
  group = null;
  drop = null;
});

/** `count` relays on a fresh PostgreSQL database (one master key) and one Redis. */
async function relaysOnPostgres(count: number, cacheTtlMs = 0): Promise<TestRelay[]> {
  const db = await freshDatabase();
  drop = db.drop;
  const env = { MESSAGEJS_DATABASE_URL: db.url, MESSAGEJS_MASTER_KEY: crypto.randomBytes(32).toString('hex') };
  group = await startRelays(count, { env, deps: { cacheTtlMs, passwordHashing: CHEAP_PASSWORDS } });
  return group.relays;
}

describe.runIf(both)('relays on one PostgreSQL database and one Redis', () => {
  it('holds the per-IP limit of 20 a minute across three relays (20 sends, not 60)', async () => {
    const relays = await relaysOnPostgres(3);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(relays[i % 3]!, 'POST', '/v1/messages', {
          key: relays[0]!.demo.publicKey,
          origin: DEMO_ORIGIN,
          body: {
            template: 'order_update',
            to: `+2126123457${String(i).padStart(2, '0')}`,
            params: { order: 'A', eta: 'now' },
          },
          headers: { 'x-forwarded-for': '203.0.113.60' },
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    expect(await relays[0]!.relay.store.messages.count()).toBe(20);
  });

  it('stores one message for the same Idempotency-Key sent to two relays at the same moment', async () => {
    const [a, b] = await relaysOnPostgres(2);
    const send = (t: TestRelay) =>
      call(t, 'POST', '/v1/messages', {
        key: a!.demo.secretKey,
        body: { template: 'order_update', to: '+212612345780', params: { order: 'A', eta: 'now' } },
        headers: { 'idempotency-key': 'same-moment-1' },
      });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => send(i % 2 === 0 ? a! : b!)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(202));
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    expect(await a!.relay.store.messages.count()).toBe(1);
  });

  it('refuses on relay B, within 1 s, a key revoked through relay A', async () => {
    const [a, b] = await relaysOnPostgres(2, 60_000);
    const owner = await setUpOwner(a!);
    const keys = `/v1/projects/${a!.demo.projectId}/keys`;
    const created = await call(a!, 'POST', keys, { key: owner.accessToken, body: { kind: 'secret' } });
    const send = () =>
      call(b!, 'POST', '/v1/messages', {
        key: created.body.key,
        body: { template: 'order_update', to: '+212612345781', params: { order: 'A', eta: 'now' } },
      });
    expect((await send()).status).toBe(202);
    await call(a!, 'DELETE', `${keys}/${created.body.apiKey.id}`, { key: owner.accessToken });
    const started = performance.now();
    while ((await send()).status !== 401) {
      expect(performance.now() - started).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });
});
