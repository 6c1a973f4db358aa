import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setVerifySettings } from '@messagejs/relay';
import { call, DEMO_ORIGIN, startRelay, waitForIdle, type TestRelay } from '../helpers/start-relay.js';
import { movableDate } from '../helpers/movable-date.js';
import { printedCodes, waitForCode, wrongCode } from '../helpers/verify.js';

// Verification against SMS pumping (per-key, per-country and per-prefix caps, the success-rate
// guard) and against lock-out (per-client limits and sessions). Clients are told apart by
// X-Forwarded-For, which the relay trusts from loopback by default.
const clock = movableDate('2026-04-01T10:00:00Z');
let t: TestRelay;
beforeEach(async () => {
  t = await clock.startRelay();
});
afterEach(() => clock.stop(t));
const advance = clock.advance;

const OWNER_IP = '198.51.100.10';
const STRANGER_IP = '203.0.113.66';
const NUMBER = '+212612345678';
let nextIp = 1;
/** A client IP not used before in this file: each stays far below the 20-a-minute IP limit. */
const freshIp = () => `192.0.2.${nextIp++ % 250}`;

const start = (to: string, ip = freshIp(), key = t.demo.publicKey) =>
  call(t, 'POST', '/v1/verify/send', {
    key,
    body: { to, channel: 'sms' },
    headers: { 'x-forwarded-for': ip },
    ...(key.startsWith('pk_') && { origin: DEMO_ORIGIN }),
  });
const check = (sessionId: string, code: string, ip = freshIp()) =>
  call(t, 'POST', '/v1/verify/check', {
    key: t.demo.publicKey,
    origin: DEMO_ORIGIN,
    body: { sessionId, code },
    headers: { 'x-forwarded-for': ip },
  });
const settings = (patch: Parameters<typeof setVerifySettings>[3]) =>
  setVerifySettings(t.relay.store, t.relay.sealer, t.demo.projectId, patch, Date.now());

/** Starts a verification and checks the right code: a send that counts as verified. */
async function verifyOnce(to: string): Promise<void> {
  // Earlier sends' codes first: printed after this one's, one of them would pass for it (a worker
  // claiming from PostgreSQL delivers later than SQLite's in-process hand-off).
  await waitForIdle(t);
  const before = printedCodes(t).length;
  const ip = freshIp();
  const started = await start(to, ip);
  expect(started.status).toBe(202);
  const code = await waitForCode(t, before + 1);
  expect((await check(started.body.sessionId, code, ip)).body.valid).toBe(true);
}

/** Reopens the relay on the same data directory, as a restart (or another relay on the database) would. */
async function restart(): Promise<void> {
  await t.close();
  t = await startRelay({ location: t.location, demo: t.demo, deps: { now: () => Date.now() } });
}

describe('verification lock-out', () => {
  it('lets the owner get a code after a stranger spent the per-client limit on their number', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await start(NUMBER, STRANGER_IP)).status).toBe(202);
      advance(31_000);
    }
    const blocked = await start(NUMBER, STRANGER_IP);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toMatchObject({ code: 'verify_send_limit', field: 'to' });

    // The stranger's five codes printed first: on a loaded machine the worker may still be sending
    // the last when the owner asks, and the owner's code would then be the sixth printed, not the fifth.
    await waitForCode(t, 5);
    const before = printedCodes(t).length;
    const owner = await start(NUMBER, OWNER_IP);
    expect(owner.status).toBe(202);
    const code = await waitForCode(t, before + 1);
    expect((await check(owner.body.sessionId, code, OWNER_IP)).body).toMatchObject({ valid: true, status: 'approved' });
  });

  it('caps the codes one number receives from all clients together at 15 in 10 minutes', async () => {
    for (let i = 0; i < 15; i++) expect((await start(NUMBER)).status).toBe(202);
    const capped = await start(NUMBER);
    expect(capped.status).toBe(429);
    expect(capped.body.error).toMatchObject({ code: 'verify_send_limit', field: 'to' });
    expect(capped.body.error.message).toContain('At most 15 codes go to one recipient in 10 minutes');
    expect(capped.headers.get('retry-after')).toBe('600');
  });

  it("never hands a stranger the owner's pending session, so wrong codes cannot close it", async () => {
    const owner = await start(NUMBER, OWNER_IP);
    expect(owner.status).toBe(202);
    const ownerCode = await waitForCode(t, 1);

    // No cooldown to reveal the owner's session: the stranger gets a session of its own.
    const stranger = await start(NUMBER, STRANGER_IP);
    expect(stranger.status).toBe(202);
    expect(stranger.body.sessionId).not.toBe(owner.body.sessionId);
    const strangerCode = await waitForCode(t, 2);
    for (let i = 0; i < 5; i++) await check(stranger.body.sessionId, wrongCode(strangerCode), STRANGER_IP);
    expect((await check(stranger.body.sessionId, strangerCode, STRANGER_IP)).body.error.code).toBe(
      'max_attempts_reached',
    );

    // The owner's session kept all its attempts, from another network too.
    expect((await check(owner.body.sessionId, ownerCode)).body).toMatchObject({ valid: true, status: 'approved' });
  });
});

describe('verification pumping', () => {
  it('caps the codes a public key has sent in an hour, apart from its message sends, across a restart', async () => {
    await settings({ maxSendsPerKeyPerHour: 3, guardMinSuccessPercent: 0 });
    for (let i = 0; i < 3; i++) expect((await start(`+2126123456${10 + i}`)).status).toBe(202);
    const capped = await start('+212612345699');
    expect(capped.status).toBe(429);
    expect(capped.body.error.code).toBe('verify_send_limit');
    expect(capped.body.error.message).toContain('This key may have at most 3 codes sent in an hour');
    expect(capped.headers.get('retry-after')).toBe('3600');
    // Messages are counted apart.
    const message = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { template: 'contact', params: { name: 'Amina', email: 'amina@example.com', message: 'Hello' } },
    });
    expect(message.status).toBe(202);
    // The secret key is the developer's server: not under this cap.
    expect((await start('+212612345698', undefined, t.demo.secretKey)).status).toBe(202);

    await restart();
    advance(30 * 60_000);
    const still = await start('+212612345699');
    expect(still.body.error.code).toBe('verify_send_limit');
    expect(still.headers.get('retry-after')).toBe('1800');
    advance(30 * 60_000);
    expect((await start('+212612345699')).status).toBe(202);
  });

  it('caps the codes a number range and a country receive in 24 hours, from every key, across a restart', async () => {
    await settings({ maxSendsPerPrefixPerDay: 2, maxSendsPerCountryPerDay: 3, guardMinSuccessPercent: 0 });
    expect((await start('+212612345601')).status).toBe(202);
    advance(3600_000);
    expect((await start('+212612345602', undefined, t.demo.secretKey)).status).toBe(202);
    const range = await start('+212612345603', undefined, t.demo.secretKey);
    expect(range.status).toBe(429);
    expect(range.body.error).toMatchObject({ code: 'verify_send_limit', field: 'to' });
    expect(range.body.error.message).toContain('At most 2 codes go to one number range in 24 hours');
    expect(range.headers.get('retry-after')).toBe(String(23 * 3600));

    expect((await start('+212661234567')).status).toBe(202);
    await restart();
    const country = await start('+212700000001');
    expect(country.status).toBe(429);
    expect(country.body.error.message).toContain('At most 3 codes go to one country in 24 hours');
    expect((await start('+33612345678')).status).toBe(202);
    expect(t.logText()).toContain('Verification daily cap reached');
    expect(t.logText()).not.toContain('2127000');

    advance(23 * 3600_000 + 1000);
    expect((await start('+212612345603')).status).toBe(202);
  });

  it('stops a pump at 20 unverified codes to a country with the default settings, for an hour', async () => {
    let sent = 0;
    let refused: Awaited<ReturnType<typeof start>> | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const res = await start(`+2126123${String(i).padStart(5, '0')}`);
      if (res.status === 202) sent++;
      else refused = res;
    }
    expect(sent).toBe(20);
    expect(refused!.status).toBe(429);
    expect(refused!.body.error).toMatchObject({ code: 'verify_throttled', field: 'to' });
    expect(refused!.headers.get('retry-after')).toBe('3600');
    const warning = t
      .logs()
      .find(
        (l) => l.msg === 'Verification throttled: few codes sent there in the last hour were verified (SMS pumping?)',
      );
    expect(warning).toMatchObject({ level: 40, country: 'MA', sent: 20, verified: 0 });
    expect(t.logText()).not.toMatch(/\+2126123\d{5}/);
    // Other countries are not held.
    expect((await start('+33612345678')).status).toBe(202);
    // Secret keys are held too: the guard protects the operator's bill.
    expect((await start('+212661234567', undefined, t.demo.secretKey)).body.error.code).toBe('verify_throttled');

    advance(3600_000);
    expect((await start('+212661234567')).status).toBe(202);
  });

  it('throttles a number range whose codes go unverified while the rest of the country verifies', async () => {
    for (let i = 0; i < 15; i++) await verifyOnce(`+2126612345${String(i).padStart(2, '0')}`);
    for (let i = 0; i < 20; i++) expect((await start(`+2126123456${String(i).padStart(2, '0')}`)).status).toBe(202);
    const refused = await start('+212612345699');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('verify_throttled');
    expect(refused.body.error.message).toContain('number range');
    expect(t.logs().find((l) => typeof l.msg === 'string' && l.msg.startsWith('Verification throttled'))).toMatchObject(
      { range: '+212612…' },
    );
    expect((await start('+212661234599')).status).toBe(202);
  });

  it('leaves traffic alone while a fair share of codes is verified', async () => {
    for (let i = 0; i < 30; i++) {
      if (i % 3 === 0) await verifyOnce(`+2126123456${String(i).padStart(2, '0')}`);
      else expect((await start(`+2126123456${String(i).padStart(2, '0')}`)).status).toBe(202);
    }
  });
});
