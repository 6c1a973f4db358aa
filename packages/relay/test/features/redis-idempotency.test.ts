import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Redis } from 'ioredis';
import { call, type TestRelay } from '../helpers/start-relay.js';
import {
  redisAvailable,
  startRelayPair,
  testClient,
  testPrefix,
  flushPrefix,
  type RelayPair,
} from '../helpers/redis.js';
import { openRedisSharedState } from '../../src/store/redis/index.js';
import type { InFlightLock, InFlightLocks, SharedState } from '../../src/store/shared-state.js';

const redis = await redisAvailable();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

const order = (to: string) => ({ template: 'order_update', to, params: { order: 'A-7', eta: 'today' } });
const send = (t: TestRelay, idempotencyKey: string, to: string) =>
  call(t, 'POST', '/v1/messages', {
    key: t.demo.secretKey,
    body: order(to),
    headers: { 'idempotency-key': idempotencyKey },
  });

/** The sum of the per-recipient counters under `prefix`: how many sends passed the limits. */
async function recipientHits(client: Redis, prefix: string): Promise<number> {
  const keys = await client.keys(`${prefix}rl:recipient:*`);
  const values = keys.length > 0 ? await client.mget(...keys) : [];
  return values.reduce((sum, v) => sum + Number(v), 0);
}

describe.runIf(redis)('Idempotency-Key across relays sharing Redis', () => {
  let pair: RelayPair;
  afterEach(() => pair.cleanup());

  it('stores one message for the same key sent to two relays at once, and both answer it', async () => {
    pair = await startRelayPair();
    const { a, b, prefix } = pair;
    const before = await a.relay.store.messages.count();
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => send(i % 2 === 0 ? a : b, 'both-relays-1', '+212612345601')),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(16).fill(202));
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true')).toHaveLength(15);
    expect(await a.relay.store.messages.count()).toBe(before + 1);
    // Processed once: the repeats waited for the first answer instead of running the send, so
    // the recipient's limit was counted once, not sixteen times.
    const client = testClient();
    try {
      expect(await recipientHits(client, prefix)).toBe(1);
      // Every lock was released.
      expect(await client.keys(`${prefix}lock:*`)).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it('answers 409 idempotency_in_progress when the first request holds the key past the wait', async () => {
    pair = await startRelayPair();
    const { a, prefix } = pair;
    const keyHash = crypto.createHash('sha256').update(a.demo.secretKey).digest('hex');
    const keyId = (await a.relay.store.keys.findByHash(keyHash))!.key.id;
    const client = testClient();
    try {
      // Another relay is processing this key (and takes its time).
      await client.set(`${prefix}lock:idem:${keyId}:slow-1`, 'another relay', 'PX', 30_000);
      const started = performance.now();
      const res = await send(a, 'slow-1', '+212612345602');
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'idempotency_in_progress', field: 'Idempotency-Key' });
      expect(res.headers.get('retry-after')).toBe('1');
      expect(performance.now() - started).toBeLessThan(5000);
      // Its lock is untouched: only its holder lets it go.
      expect(await client.get(`${prefix}lock:idem:${keyId}:slow-1`)).toBe('another relay');
      await client.del(`${prefix}lock:idem:${keyId}:slow-1`);
      expect((await send(a, 'slow-1', '+212612345602')).status).toBe(202);
    } finally {
      client.disconnect();
    }
  });
});

describe.runIf(redis)('in-flight locks on Redis', () => {
  let shared: SharedState;
  let locks: InFlightLocks;
  let prefix: string;
  afterEach(async () => {
    await shared.close();
    await flushPrefix(testClient(), prefix);
  });
  const openShared = () =>
    openRedisSharedState({
      url: process.env.MESSAGEJS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      keyPrefix: prefix,
      logger: pino({ level: 'silent' }),
      now: Date.now,
    });
  const open = async () => {
    prefix = testPrefix();
    shared = await openShared();
    expect(shared.status()).toBe('ok');
    locks = shared.locks!;
  };

  it('gives a name to one holder at a time, and back once released', async () => {
    await open();
    const first = await locks.acquire('k1', 10_000);
    expect(first).not.toBeNull();
    expect(await locks.acquire('k1', 10_000)).toBeNull();
    expect(await locks.acquire('k2', 10_000)).not.toBeNull();
    await first!.release();
    expect(await locks.acquire('k1', 10_000)).not.toBeNull();
  });

  it('never lets a holder whose lock expired free or extend the next holder’s', async () => {
    await open();
    const stale = await locks.acquire('k3', 300);
    // It expired while Redis was out of this holder's reach.
    const client = testClient();
    try {
      await client.del(`${prefix}lock:k3`);
      const current = await locks.acquire('k3', 10_000);
      expect(current).not.toBeNull();
      await sleep(250);
      // The stale holder's extensions left the current holder's time to live alone.
      expect(await client.pttl(`${prefix}lock:k3`)).toBeGreaterThan(9000);
      await stale!.release();
      expect(await locks.acquire('k3', 10_000)).toBeNull();
      await current!.release();
    } finally {
      client.disconnect();
    }
  });

  it('keeps a live holder’s lock past its time to live, and frees a dead holder’s within it', async () => {
    await open();
    const held = await locks.acquire('k5', 300);
    expect(held).not.toBeNull();
    // Three times the time to live: the holder extended it.
    await sleep(900);
    expect(await locks.acquire('k5', 300)).toBeNull();
    const client = testClient();
    try {
      const ttl = await client.pttl(`${prefix}lock:k5`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300);
      // The holder dies without releasing it (its process is killed: no more extensions).
      await shared.close();
      const died = performance.now();
      shared = await openShared();
      let next: InFlightLock | null = null;
      await until(async () => (next = await shared.locks.acquire('k5', 300)) !== null);
      expect(performance.now() - died).toBeLessThan(1000);
      await next!.release();
    } finally {
      await held!.release();
      client.disconnect();
    }
  });

  it('lets one of two concurrent takers through', async () => {
    await open();
    const takes = await Promise.all(Array.from({ length: 8 }, () => locks.acquire('k4', 10_000)));
    expect(takes.filter((lock) => lock !== null)).toHaveLength(1);
  });
});
