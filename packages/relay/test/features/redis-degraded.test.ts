import { afterEach, describe, expect, it } from 'vitest';
import { setLimits } from '@messagejs/relay';
import { call, DEMO_ORIGIN, startRelay, type TestRelay } from '../helpers/start-relay.js';
import {
  closedPortUrl,
  redisAvailable,
  redisProxy,
  startRelayPair,
  testClient,
  type RelayPair,
} from '../helpers/redis.js';
import { DEGRADED_MESSAGE, RECOVERED_MESSAGE } from '../../src/store/redis/health.js';

const redis = await redisAvailable();

let pair: RelayPair | null = null;
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await pair?.cleanup();
  pair = null;
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

let sent = 0;
const sendFrom = (t: TestRelay, ip = '203.0.113.20') =>
  call(t, 'POST', '/v1/messages', {
    key: t.demo.publicKey,
    origin: DEMO_ORIGIN,
    body: {
      template: 'order_update',
      to: `+21261500${String(++sent).padStart(4, '0')}`,
      params: { order: 'A', eta: 'now' },
    },
    headers: { 'x-forwarded-for': ip },
  });
const logged = (t: TestRelay, msg: string) => t.logs().filter((line) => line.msg === msg);
const readiness = async (t: TestRelay) => (await call(t, 'GET', '/readyz')).body;

describe('a relay whose Redis does not answer', () => {
  it('keeps serving, logs one warning, reports redis: degraded and stays ready', async () => {
    pair = await startRelayPair({ url: await closedPortUrl() });
    const { a, b } = pair;
    for (const t of [a, b]) {
      const started = performance.now();
      for (let i = 0; i < 3; i++) expect((await sendFrom(t)).status).toBe(202);
      // Every command fails at once: no request waits on Redis.
      expect(performance.now() - started).toBeLessThan(3000);
      const readyz = await call(t, 'GET', '/readyz');
      expect(readyz.status).toBe(200);
      expect(readyz.body).toEqual({ status: 'ready', database: 'ok', worker: 'ok', redis: 'degraded' });
      const warnings = logged(t, DEGRADED_MESSAGE);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.level).toBe(40);
    }
  });

  it('counts limits per relay meanwhile: each allows the whole per-IP limit (2 relays, 2×)', async () => {
    pair = await startRelayPair({ url: await closedPortUrl() });
    const { a, b } = pair;
    await setLimits(a.relay.store, a.demo.projectId, { perIpPerMinute: 3 });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await sendFrom(i % 2 === 0 ? a : b, '203.0.113.21')).status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(6);
    expect(statuses.slice(-2)).toEqual([429, 429]);
  });
});

describe.runIf(redis)('a relay whose Redis goes away and comes back', () => {
  it('serves throughout, warns once when Redis goes, says once when it is back, and shares again', async () => {
    const proxy = await redisProxy();
    cleanups.push(() => proxy.close());
    pair = await startRelayPair({
      url: proxy.url,
      deps: { redis: { timeouts: { maxReconnectDelayMs: 100 }, probeMs: 100 } },
    });
    const { a } = pair;
    expect(await readiness(a)).toMatchObject({ status: 'ready', redis: 'ok' });
    expect(logged(a, DEGRADED_MESSAGE)).toHaveLength(0);

    await proxy.down();
    await waitFor(async () => (await readiness(a)).redis === 'degraded');
    const started = performance.now();
    for (let i = 0; i < 5; i++) expect((await sendFrom(a)).status).toBe(202);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(logged(a, DEGRADED_MESSAGE)).toHaveLength(1);

    await proxy.up();
    await waitFor(async () => (await readiness(a)).redis === 'ok');
    expect(logged(a, RECOVERED_MESSAGE)).toHaveLength(1);
    expect(logged(a, DEGRADED_MESSAGE)).toHaveLength(1);
    // Counted in Redis again.
    const client = testClient();
    try {
      const counter = `${pair.prefix}rl:ip:${a.demo.projectId}:203.0.113.22`;
      expect((await sendFrom(a, '203.0.113.22')).status).toBe(202);
      expect(await client.get(counter)).toBe('1');
    } finally {
      client.disconnect();
    }
  });

  it('answers while Redis hangs: commands time out and limits fall back to memory', async () => {
    const proxy = await redisProxy();
    cleanups.push(() => proxy.close());
    pair = await startRelayPair({
      url: proxy.url,
      deps: {
        redis: { timeouts: { commandTimeoutMs: 300, socketTimeoutMs: 900, maxReconnectDelayMs: 100 }, probeMs: 100 },
      },
    });
    const { a } = pair;
    // A loaded machine may let a command of the start outlast the short timeout: start from "ok".
    await waitFor(async () => (await readiness(a)).redis === 'ok');
    const warned = logged(a, DEGRADED_MESSAGE).length;
    const recovered = logged(a, RECOVERED_MESSAGE).length;
    proxy.stall();
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      expect((await sendFrom(a, '203.0.113.23')).status).toBe(202);
      // The per-IP and per-key counts wait at most one command timeout each, never for Redis.
      expect(performance.now() - started).toBeLessThan(2000);
    }
    expect(logged(a, DEGRADED_MESSAGE)).toHaveLength(warned + 1);
    expect((await readiness(a)).redis).toBe('degraded');
    proxy.unstall();
    await waitFor(async () => (await readiness(a)).redis === 'ok');
    expect(logged(a, RECOVERED_MESSAGE)).toHaveLength(recovered + 1);
  });

  it('reports redis: ok when Redis answers, and nothing about Redis without it', async () => {
    pair = await startRelayPair();
    expect(await readiness(pair.a)).toEqual({ status: 'ready', database: 'ok', worker: 'ok', redis: 'ok' });
    const alone = await startRelay();
    cleanups.push(() => alone.cleanup());
    expect(await readiness(alone)).toEqual({ status: 'ready', database: 'ok', worker: 'ok' });
  });
});

/** Polls `check` every 50 ms until it holds, or throws after `timeoutMs`. */
async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
