import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLimits, setVerifySettings } from '@messagejs/relay';
import type { PowChallenge } from '@messagejs/shared-types';
import { call, DEMO_ORIGIN, type TestRelay } from '../helpers/start-relay.js';
import { CHEAP_PASSWORDS, OWNER, login, setUpOwner } from '../helpers/accounts.js';
import { redisAvailable, startRelayPair, testClient, type RelayPair } from '../helpers/redis.js';

const redis = await redisAvailable();

let pair: RelayPair;
afterEach(() => pair.cleanup());

/** A public-key template send from client `ip` to `to`, through `t`. */
const sendFrom = (t: TestRelay, ip: string, to: string, extra: Record<string, unknown> = {}) =>
  call(t, 'POST', '/v1/messages', {
    key: t.demo.publicKey,
    origin: DEMO_ORIGIN,
    body: { template: 'order_update', to, params: { order: 'A-1', eta: 'soon' }, ...extra },
    headers: { 'x-forwarded-for': ip },
  });
const to = (i: number) => `+2126123456${String(i).padStart(2, '0')}`;

describe.runIf(redis)('rate limits shared through Redis', () => {
  beforeEach(async () => {
    pair = await startRelayPair({ deps: { passwordHashing: CHEAP_PASSWORDS } });
  });

  it('holds a per-IP limit of 6 a minute across two relays (6 sends in all, not 12)', async () => {
    const { a, b, prefix } = pair;
    await setLimits(a.relay.store, a.demo.projectId, { perIpPerMinute: 6 });
    // Twelve at once, alternating relays: the count is one atomic INCR in Redis.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => sendFrom(i % 2 === 0 ? a : b, '203.0.113.7', to(i))),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    const refused = answers.find((answer) => answer.status === 429)!;
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.headers.get('ratelimit-limit')).toBe('6');
    // The counter lives in Redis, under this run's prefix.
    const client = testClient();
    try {
      const keys = await client.keys(`${prefix}rl:ip:*`);
      expect(keys).toEqual([`${prefix}rl:ip:${a.demo.projectId}:203.0.113.7`]);
      expect(await client.get(keys[0]!)).toBe('12');
      expect(await client.pttl(keys[0]!)).toBeGreaterThan(50_000);
    } finally {
      client.disconnect();
    }
    // Another client is counted on its own.
    expect((await sendFrom(b, '203.0.113.8', to(20))).status).toBe(202);
  });

  it('blocks an address after 10 failed sign-ins spread over two relays', async () => {
    const { a, b } = pair;
    await setUpOwner(a);
    for (let i = 0; i < 10; i++) {
      const res = await login(i % 2 === 0 ? a : b, OWNER.email, 'wrong password', `198.51.100.${i + 1}`);
      expect(res.status).toBe(401);
    }
    // The right password no longer opens it, on either relay: the count is shared.
    for (const t of [a, b]) {
      const blocked = await login(t, OWNER.email, OWNER.password, '198.51.100.50');
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('spends a proof-of-work solution on every relay at once', async () => {
    const { a, b } = pair;
    const settings = { captcha: 'pow', powMaxNumber: 1000, captchaOnSends: true } as const;
    await setVerifySettings(a.relay.store, a.relay.sealer, a.demo.projectId, settings, Date.now());
    const asked = await sendFrom(a, '203.0.113.9', to(30));
    expect(asked.body.error.code).toBe('captcha_required');
    const token = solve(asked.body.error.challenge as PowChallenge);
    expect((await sendFrom(a, '203.0.113.9', to(30), { captchaToken: token })).status).toBe(202);
    const replay = await sendFrom(b, '203.0.113.9', to(31), { captchaToken: token });
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('captcha_required');
  });
});

/** Solves a proof-of-work challenge as the client does, and returns its `captchaToken`. */
function solve(c: PowChallenge): string {
  for (let number = 0; number <= c.maxnumber; number++) {
    const hash = crypto
      .createHash('sha256')
      .update(c.salt + number)
      .digest('hex');
    if (hash === c.challenge) {
      const solution = { algorithm: c.algorithm, challenge: c.challenge, number, salt: c.salt, signature: c.signature };
      return Buffer.from(JSON.stringify(solution)).toString('base64');
    }
  }
  throw new Error('no solution');
}
