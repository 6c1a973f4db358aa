import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveTemplate, setLimits } from '@messagejs/relay';
import { call, DEMO_ORIGIN, waitForIdle, type TestRelay } from '../helpers/start-relay.js';
import { snapshot } from '../helpers/store-snapshot.js';
import { movableDate } from '../helpers/movable-date.js';

const clock = movableDate('2026-01-01T10:00:00Z');
let t: TestRelay;
beforeEach(async () => {
  t = await clock.startRelay();
});
afterEach(() => clock.stop(t));
const advance = clock.advance;
const order = (to = '+212612345678') => ({ template: 'order_update', to, params: { order: 'A-1', eta: 'soon' } });
const contact = { template: 'contact', params: { name: 'Amina', email: 'amina@example.com', message: 'Hello' } };
/** A contact-form send from the client `ip`, as the trusted loopback proxy reports it. */
const sendContact = (ip: string) =>
  call(t, 'POST', '/v1/messages', {
    key: t.demo.publicKey,
    origin: DEMO_ORIGIN,
    body: contact,
    headers: { 'x-forwarded-for': ip },
  });
const sendPublic = (to?: string) =>
  call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body: order(to) });

describe('rate limits', () => {
  it('allows 20 requests a minute per client IP for a public key, then answers 429 until the window passes', async () => {
    for (let i = 0; i < 20; i++)
      expect((await sendPublic(`+2126123456${String(i).padStart(2, '0')}`)).status).toBe(202);
    await waitForIdle(t);
    const before = await snapshot(t.location);
    const limited = await sendPublic('+212612345699');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(limited.headers.get('ratelimit-limit')).toBe('20');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    expect(limited.headers.get('access-control-allow-origin')).toBe(DEMO_ORIGIN);
    expect(await snapshot(t.location)).toEqual(before);
    advance(61_000);
    expect((await sendPublic('+212612345699')).status).toBe(202);
  });

  it('allows 5 messages per recipient per 10 minutes', async () => {
    for (let i = 0; i < 5; i++) expect((await sendPublic()).status).toBe(202);
    const limited = await sendPublic();
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toContain('recipient');
    expect((await sendPublic('+212612345670')).status).toBe(202);
    advance(9 * 60_000);
    expect((await sendPublic()).status).toBe(429);
    advance(61_000);
    expect((await sendPublic()).status).toBe(202);
  });

  it('counts a fixed-recipient template per client, so one visitor cannot close a contact form for the others', async () => {
    for (let i = 0; i < 5; i++) expect((await sendContact('203.0.113.1')).status).toBe(202);
    const limited = await sendContact('203.0.113.1');
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'rate_limited' });
    expect(limited.body.error.message).toContain('recipient');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another visitor, and a server with the secret key, still get through.
    expect((await sendContact('203.0.113.2')).status).toBe(202);
    expect((await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: contact })).status).toBe(202);
    advance(10 * 60_000 + 1000);
    expect((await sendContact('203.0.113.1')).status).toBe(202);
  });

  it('stops every client at the per-template ceiling of a fixed-recipient template, with Retry-After', async () => {
    await setLimits(t.relay.store, t.demo.projectId, { perTemplatePer10Minutes: 8 });
    for (let i = 0; i < 5; i++) expect((await sendContact('203.0.113.1')).status).toBe(202);
    // Refused for its own limit, a client does not use up the ceiling shared by everyone.
    for (let i = 0; i < 5; i++) expect((await sendContact('203.0.113.1')).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await sendContact('203.0.113.2')).status).toBe(202);
    await waitForIdle(t);
    const before = await snapshot(t.location);
    const limited = await sendContact('203.0.113.3');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.body.error.message).toContain('template');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(600);
    expect(limited.headers.get('ratelimit-limit')).toBe('8');
    expect(await snapshot(t.location)).toEqual(before);
    advance(10 * 60_000 + 1000);
    expect((await sendContact('203.0.113.3')).status).toBe(202);
  });

  it('does not count a fixed SMS recipient against the number-range limit, which callers would share', async () => {
    await saveTemplate(
      t.relay.store,
      t.demo.projectId,
      { name: 'call_me', channel: 'sms', recipient: { mode: 'fixed', to: '+212612345678' }, body: 'Call me back' },
      Date.now(),
    );
    await setLimits(t.relay.store, t.demo.projectId, { perPrefixPerHour: 2 });
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) {
      const res = await call(t, 'POST', '/v1/messages', {
        key: t.demo.publicKey,
        origin: DEMO_ORIGIN,
        body: { template: 'call_me' },
        headers: { 'x-forwarded-for': ip },
      });
      expect(res.status, ip).toBe(202);
    }
  });

  it('limits requests per key per hour, secret keys included', async () => {
    await setLimits(t.relay.store, t.demo.projectId, { perKeyPerHour: 3 });
    const sendSecret = () =>
      call(t, 'POST', '/v1/messages', {
        key: t.demo.secretKey,
        body: { to: '+33612345678', text: 'x', channel: 'sms' },
      });
    for (let i = 0; i < 3; i++) expect((await sendSecret()).status).toBe(202);
    const limited = await sendSecret();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('ratelimit-limit')).toBe('3');
    advance(3600_000);
    expect((await sendSecret()).status).toBe(202);
  });

  it('limits messages per project per day', async () => {
    await setLimits(t.relay.store, t.demo.projectId, { perProjectPerDay: 2 });
    expect((await sendPublic('+212612345601')).status).toBe(202);
    expect((await sendPublic('+212612345602')).status).toBe(202);
    expect((await sendPublic('+212612345603')).status).toBe(429);
    advance(24 * 3600_000);
    expect((await sendPublic('+212612345603')).status).toBe(202);
  });

  it('limits a public key per number range against SMS pumping', async () => {
    await setLimits(t.relay.store, t.demo.projectId, { perPrefixPerHour: 3, perIpPerMinute: 1000 });
    for (let i = 0; i < 3; i++) expect((await sendPublic(`+21261234560${i}`)).status).toBe(202);
    const limited = await sendPublic('+212612345609');
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toContain('number range');
    expect((await sendPublic('+212700000001')).status).toBe(202);
  });

  it('reports the key limit on accepted requests', async () => {
    const res = await sendPublic();
    expect(res.headers.get('ratelimit-limit')).toBe('1000');
    expect(res.headers.get('ratelimit-remaining')).toBe('999');
  });
});
