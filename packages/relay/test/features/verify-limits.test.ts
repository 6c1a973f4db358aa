import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLimits } from '@messagejs/relay';
import { call, DEMO_ORIGIN, type TestRelay } from '../helpers/start-relay.js';
import { movableDate } from '../helpers/movable-date.js';

const clock = movableDate('2026-02-01T10:00:00Z');
let t: TestRelay;
beforeEach(async () => {
  t = await clock.startRelay();
});
afterEach(() => clock.stop(t));
const advance = clock.advance;
const startPublic = (to: string) =>
  call(t, 'POST', '/v1/verify/send', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body: { to } });

describe('verify limits over time', () => {
  it('counts starts and checks against the 20-a-minute client IP limit of a public key', async () => {
    for (let i = 0; i < 19; i++)
      expect((await startPublic(`+2126123456${String(i).padStart(2, '0')}`)).status).toBe(202);
    const check = await call(t, 'POST', '/v1/verify/check', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { sessionId: 'ver_0000000000000000000000', code: '123456' },
    });
    expect(check.status).toBe(404);
    const limited = await startPublic('+212612345699');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.body.error.message).toContain('client IP');
    advance(61_000);
    expect((await startPublic('+212612345699')).status).toBe(202);
  });

  it('holds a number range for an hour once its limit is reached', async () => {
    await setLimits(t.relay.store, t.demo.projectId, { perPrefixPerHour: 2 });
    expect((await startPublic('+212612345601')).status).toBe(202);
    expect((await startPublic('+212612345602')).status).toBe(202);
    advance(30 * 60_000);
    const limited = await startPublic('+212612345603');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(29 * 60);
    advance(31 * 60_000);
    expect((await startPublic('+212612345603')).status).toBe(202);
  });

  it('lets a number receive codes again once its oldest send leaves the 10-minute window', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await startPublic('+212612345678')).status).toBe(202);
      advance(60_000);
    }
    const limited = await startPublic('+212612345678');
    expect(limited.body.error.code).toBe('verify_send_limit');
    expect(limited.headers.get('retry-after')).toBe('300');
    advance(300_000);
    expect((await startPublic('+212612345678')).status).toBe(202);
  });
});
