import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKey, setLimits, setVerifySettings } from '@messagejs/relay';
import { call, DEMO_ORIGIN, startRelay, waitForIdle, type TestRelay } from '../helpers/start-relay.js';
import { snapshot } from '../helpers/store-snapshot.js';
import { printedCodes, waitForCode, wrongCode } from '../helpers/verify.js';

// The relay's clock is injected; only the in-memory rate limiters read Date, and no test here
// sends enough from one IP in a minute to reach them (the limiter tests move Date themselves).
let t: TestRelay;
let clock: number;
beforeEach(async () => {
  clock = Date.parse('2026-03-01T09:00:00Z');
  t = await startRelay({ deps: { now: () => clock } });
});
afterEach(() => t.cleanup());

const advance = (ms: number) => {
  clock += ms;
};
const NUMBER = '+212612345678';
const start = (
  body: Record<string, unknown> = { to: NUMBER, channel: 'sms' },
  key = t.demo.secretKey,
  headers?: Record<string, string>,
) =>
  call(t, 'POST', '/v1/verify/send', {
    key,
    body,
    ...(key.startsWith('pk_') && { origin: DEMO_ORIGIN }),
    ...(headers && { headers }),
  });
const check = (sessionId: string, code: unknown, key = t.demo.secretKey, headers?: Record<string, string>) =>
  call(t, 'POST', '/v1/verify/check', {
    key,
    body: { sessionId, code },
    ...(key.startsWith('pk_') && { origin: DEMO_ORIGIN }),
    ...(headers && { headers }),
  });

/** Waits until the worker has delivered everything, so database snapshots are stable. */
async function settled(): Promise<void> {
  const deadline = performance.now() + 5000;
  while ((await t.relay.store.outbox.pending()) > 0) {
    if (performance.now() > deadline) throw new Error('the outbox did not drain');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs `request` and asserts it wrote nothing at all. */
async function writesNothing<T>(request: () => Promise<T>): Promise<T> {
  await settled();
  await waitForIdle(t);
  const before = await snapshot(t.location);
  const result = await request();
  await settled();
  expect(await snapshot(t.location)).toEqual(before);
  return result;
}

async function startAndReadCode(
  body?: Record<string, unknown>,
  key?: string,
): Promise<{ sessionId: string; code: string }> {
  const before = printedCodes(t).length;
  const res = await start(body, key);
  expect(res.status).toBe(202);
  return { sessionId: res.body.sessionId, code: await waitForCode(t, before + 1) };
}

describe('POST /v1/verify/send', () => {
  it('sends a 6-digit code through the outbox and answers with the session, never the code', async () => {
    const res = await start({ to: NUMBER, channel: 'sms' }, t.demo.publicKey);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      sessionId: expect.stringMatching(/^ver_[0-9A-Za-z]{22}$/),
      status: 'pending',
      expiresAt: new Date(clock + 10 * 60_000).toISOString(),
      resendAfter: new Date(clock + 30_000).toISOString(),
    });
    expect(res.headers.get('access-control-allow-origin')).toBe(DEMO_ORIGIN);
    const code = await waitForCode(t, 1);
    expect(code).toMatch(/^\d{6}$/);
    expect(t.console.join('')).toContain(`sms → +********5678`);
    expect(t.console.join('')).toContain(`${code} is your Demo verification code. It expires in 10 minutes.`);
    expect(JSON.stringify(res.body)).not.toContain(code);
    await settled();
    const db = await snapshot(t.location);
    const [session] = db.verify_sessions as Array<Record<string, unknown>>;
    expect(session).toMatchObject({
      id: res.body.sessionId,
      recipient: NUMBER,
      channel: 'sms',
      status: 'pending',
      attempts: 0,
      sends: 1,
    });
    // Only an HMAC is kept: 32 bytes as hex, not the code.
    expect(session!.code_hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(session)).not.toContain(code);
    expect(db.messages).toEqual([
      expect.objectContaining({ template: 'verify', recipient: NUMBER, status: 'delivered', segments: 1 }),
    ]);
  });

  it('sends on every verification channel, console included', async () => {
    const cases = [
      { channel: 'whatsapp', to: '+33612345678', shown: 'whatsapp → +*******5678' },
      { channel: 'telegram', to: '123456789', shown: 'telegram → ' },
      { channel: 'email', to: 'Amina@Example.com', shown: 'subject: Demo verification code' },
      { channel: 'console', to: 'dev-phone', shown: 'console → ' },
    ];
    for (const [i, c] of cases.entries()) {
      expect((await start({ to: c.to, channel: c.channel })).status).toBe(202);
      await waitForCode(t, i + 1);
      expect(t.console[i]).toContain(c.shown);
    }
  });

  it('defaults to sms and normalises national numbers with the project country', async () => {
    const { sessionId } = await startAndReadCode({ to: '06 12 34 56 78' });
    expect((await t.relay.store.verify.get(sessionId))!.to).toBe(NUMBER);
  });

  it.each([
    ['no recipient', { channel: 'sms' }, 400, 'validation_failed', 'to'],
    ['a channel codes do not go to', { to: NUMBER, channel: 'chat' }, 400, 'validation_failed', 'channel'],
    ['an unknown field', { to: NUMBER, code: '123456' }, 400, 'validation_failed', 'code'],
    ['not a phone number', { to: '12', channel: 'sms' }, 400, 'invalid_recipient', 'to'],
    [
      'a country the project does not allow',
      { to: '+4915123456789', channel: 'sms' },
      403,
      'country_not_allowed',
      'to',
    ],
    ['a bad email address', { to: 'not-an-email', channel: 'email' }, 400, 'invalid_recipient', 'to'],
    ['an array body', [NUMBER], 400, 'validation_failed', undefined],
  ])('refuses %s and writes nothing', async (_name, body, status, code, field) => {
    const res = await writesNothing(() =>
      call(t, 'POST', '/v1/verify/send', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body }),
    );
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.field).toBe(field);
    expect(t.console).toEqual([]);
  });

  it('is refused to a public key from an origin the project does not allow', async () => {
    const res = await call(t, 'POST', '/v1/verify/send', {
      key: t.demo.publicKey,
      origin: 'https://evil.example',
      body: { to: NUMBER },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
  });

  it('resends a new code in the same session after the cooldown, and answers 429 resend_cooldown before it', async () => {
    const first = await startAndReadCode();
    advance(10_000);
    const early = await writesNothing(() => start());
    expect(early.status).toBe(429);
    expect(early.body.error.code).toBe('resend_cooldown');
    expect(early.headers.get('retry-after')).toBe('20');

    advance(20_000);
    const again = await start();
    expect(again.status).toBe(202);
    expect(again.body.sessionId).toBe(first.sessionId);
    expect(again.body.expiresAt).toBe(new Date(clock + 10 * 60_000).toISOString());
    expect(again.body.resendAfter).toBe(new Date(clock + 30_000).toISOString());
    const second = await waitForCode(t, 2);
    expect((await t.relay.store.verify.get(first.sessionId))!.sends).toBe(2);

    // The first code died with the resend (unless the CSPRNG repeated itself).
    if (second !== first.code)
      expect((await check(first.sessionId, first.code)).body).toMatchObject({ valid: false, status: 'pending' });
    expect((await check(first.sessionId, second)).body).toMatchObject({ valid: true, status: 'approved' });
  });

  it('sends at most 5 codes to one number in 10 minutes, whichever key asks, then 429 verify_send_limit', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await start()).status).toBe(202);
      advance(30_000);
    }
    const limited = await writesNothing(() => start());
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'verify_send_limit', field: 'to' });
    // The first send leaves the 10-minute window 600 s after it; 150 s have passed.
    expect(limited.headers.get('retry-after')).toBe('450');

    const other = await createKey(t.relay.store, { projectId: t.demo.projectId, kind: 'secret' }, clock);
    expect((await start(undefined, other.secret)).body.error.code).toBe('verify_send_limit');
    expect((await start({ to: '+212612345679' })).status).toBe(202);

    advance(450_000);
    expect((await start()).status).toBe(202);
    await waitForCode(t, 7);
  });

  it('limits a public key per number range against SMS pumping', async () => {
    await setLimits(t.relay.store, t.demo.projectId, { perPrefixPerHour: 2 });
    expect((await start({ to: '+212612345601' }, t.demo.publicKey)).status).toBe(202);
    expect((await start({ to: '+212612345602' }, t.demo.publicKey)).status).toBe(202);
    const limited = await start({ to: '+212612345603' }, t.demo.publicKey);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.body.error.message).toContain('number range');
    expect((await start({ to: '+212700000001' }, t.demo.publicKey)).status).toBe(202);
  });

  it('uses the project settings: length, alphanumeric codes without look-alikes, brand, TTL and body', async () => {
    await setVerifySettings(
      t.relay.store,
      t.relay.sealer,
      t.demo.projectId,
      { codeLength: 8, alphabet: 'alphanumeric', brand: 'Acme', ttlMinutes: 5 },
      clock,
    );
    const codes: string[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await start({ to: `dev-${i}`, channel: 'console' });
      expect(res.body.expiresAt).toBe(new Date(clock + 5 * 60_000).toISOString());
      codes.push(await waitForCode(t, i + 1));
    }
    for (const code of codes) {
      expect(code).toMatch(/^[34679ACEFGHJKMNPRTUVWXY]{8}$/);
      expect(code).not.toMatch(/[0O1IL2Z5S8BQD]/);
    }
    expect(new Set(codes.join('')).size).toBeGreaterThan(15);
    expect(t.console[0]).toContain('is your Acme verification code. It expires in 5 minutes.');

    await setVerifySettings(
      t.relay.store,
      t.relay.sealer,
      t.demo.projectId,
      { body: 'Code {{code}} ({{brand}})', alphabet: 'numeric', codeLength: 4 },
      clock,
    );
    await start({ to: 'dev-x', channel: 'console' });
    await vi.waitFor(() => expect(t.console.join('')).toMatch(/│ Code \d{4} \(Acme\)/));
  });
});

describe('POST /v1/verify/check', () => {
  it('approves the right code once (spaces allowed), then answers 409 already_verified', async () => {
    const { sessionId, code } = await startAndReadCode();
    const ok = await check(sessionId, `${code.slice(0, 3)} ${code.slice(3)}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      valid: true,
      status: 'approved',
      token: expect.stringMatching(/^ey[\w-]+\.ey[\w-]+\.[\w-]+$/),
    });
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const again = await writesNothing(() => check(sessionId, code));
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_verified', field: 'sessionId' });
  });

  it('counts wrong codes and closes the session after 5 of them with 429 max_attempts_reached', async () => {
    const { sessionId, code } = await startAndReadCode();
    const bad = wrongCode(code);
    for (let left = 4; left >= 1; left--) {
      expect((await check(sessionId, bad)).body).toEqual({ valid: false, status: 'pending', attemptsRemaining: left });
    }
    expect((await check(sessionId, bad)).body).toEqual({ valid: false, status: 'canceled', attemptsRemaining: 0 });
    const closed = await writesNothing(() => check(sessionId, code));
    expect(closed.status).toBe(429);
    expect(closed.body.error.code).toBe('max_attempts_reached');
    expect((await t.relay.store.verify.get(sessionId))!).toMatchObject({ status: 'canceled', attempts: 5 });
    // A closed session is not resent into: the next start opens a new one.
    advance(30_000);
    const next = await start();
    expect(next.status).toBe(202);
    expect(next.body.sessionId).not.toBe(sessionId);
  });

  it('answers 410 expired once the code outlives its 10 minutes', async () => {
    const a = await startAndReadCode();
    advance(10 * 60_000 - 1);
    expect((await check(a.sessionId, a.code)).body.valid).toBe(true);

    const b = await startAndReadCode({ to: '+212612345679' });
    advance(10 * 60_000);
    const late = await writesNothing(() => check(b.sessionId, b.code));
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('expired');
    // After expiry a start opens a fresh session.
    const fresh = await start({ to: '+212612345679' });
    expect(fresh.status).toBe(202);
    expect(fresh.body.sessionId).not.toBe(b.sessionId);
    expect((await check(b.sessionId, b.code)).status).toBe(410);
  });

  it.each([
    ['an unknown session id', 'ver_0000000000000000000000'],
    ['a malformed session id', 'nope'],
    ['a message id', 'msg_0000000000000000000000'],
  ])('answers 404 verify_session_not_found for %s', async (_name, sessionId) => {
    const res = await writesNothing(() => check(sessionId, '123456'));
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'verify_session_not_found', field: 'sessionId' });
  });

  it('keeps sessions to the key that started them: another key gets 404 and its own session', async () => {
    const other = await createKey(t.relay.store, { projectId: t.demo.projectId, kind: 'secret' }, clock);
    const { sessionId, code } = await startAndReadCode();

    const unknown = await check('ver_0000000000000000000000', code, other.secret);
    const foreign = await writesNothing(() => check(sessionId, code, other.secret));
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toEqual({ ...unknown.body.error, requestId: foreign.body.error.requestId });
    // The public key of the same project is another key too.
    expect((await check(sessionId, code, t.demo.publicKey)).status).toBe(404);

    // Starting for the same number from the other key reveals nothing: no cooldown, a new session.
    const theirs = await start(undefined, other.secret);
    expect(theirs.status).toBe(202);
    expect(theirs.body.sessionId).not.toBe(sessionId);
    expect((await check(sessionId, code)).body.valid).toBe(true);
  });

  it.each([
    ['too short', '12345'],
    ['too long', '1234567'],
    ['letters in a numeric code', '12345A'],
    ['empty', ''],
  ])('refuses a code that is %s with 400 invalid_code, without counting it', async (_name, bad) => {
    const { sessionId, code } = await startAndReadCode();
    for (let i = 0; i < 6; i++) {
      const res = await writesNothing(() => check(sessionId, bad));
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_code', field: 'code', message: 'The code is 6 digits.' });
    }
    expect((await check(sessionId, code)).body.valid).toBe(true);
  });

  it('refuses a body without a string code with validation_failed', async () => {
    const { sessionId } = await startAndReadCode();
    const res = await writesNothing(() => check(sessionId, 123456));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', field: 'code' });
    const missing = await call(t, 'POST', '/v1/verify/check', { key: t.demo.secretKey, body: { code: '123456' } });
    expect(missing.body.error).toMatchObject({ code: 'validation_failed', field: 'sessionId' });
  });

  it('accepts alphanumeric codes in either case and refuses look-alike characters as invalid_code', async () => {
    await setVerifySettings(t.relay.store, t.relay.sealer, t.demo.projectId, { alphabet: 'alphanumeric' }, clock);
    const { sessionId, code } = await startAndReadCode();
    const res = await check(sessionId, `0${code.slice(1)}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_code', message: 'The code is 6 letters and digits.' });
    expect((await check(sessionId, code.toLowerCase())).body.valid).toBe(true);
  });

  it('compares codes as HMACs with crypto.timingSafeEqual', async () => {
    const { sessionId, code } = await startAndReadCode();
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    try {
      await check(sessionId, wrongCode(code));
      expect(spy).toHaveBeenCalledTimes(1);
      const [a, b] = spy.mock.calls[0]!;
      expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
      expect(Buffer.from(a as Buffer).toString()).not.toContain(code);
      await check(sessionId, code);
      expect(spy).toHaveBeenCalledTimes(2);
      expect(spy.mock.results[1]!.value).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('answers a retry with the same Idempotency-Key with the first answer', async () => {
    const headers = { 'Idempotency-Key': 'signup-42' };
    const first = await start(undefined, undefined, headers);
    const retried = await start(undefined, undefined, headers);
    expect(retried.status).toBe(202);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body).toEqual(first.body);
    const code = await waitForCode(t, 1);
    await settled();
    expect(printedCodes(t)).toHaveLength(1);

    const checkHeaders = { 'Idempotency-Key': 'check-42' };
    const ok = await check(first.body.sessionId, code, undefined, checkHeaders);
    const again = await check(first.body.sessionId, code, undefined, checkHeaders);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(ok.body);
    const conflict = await check(first.body.sessionId, wrongCode(code), undefined, checkHeaders);
    expect(conflict.body.error.code).toBe('idempotency_conflict');
  });

  it('keeps no plain hash of a check request, which would let anyone with the database guess the code offline', async () => {
    const { body } = await start();
    const code = await waitForCode(t, 1);
    await check(body.sessionId, code, undefined, { 'Idempotency-Key': 'check-hash' });
    const rows = (await snapshot(t.location)).idempotency as Array<{ idempotency_key: string; request_hash: string }>;
    const row = rows.find((r) => r.idempotency_key === 'check-hash')!;
    expect(row.request_hash).toMatch(/^[0-9a-f]{64}$/);
    // What a plain SHA-256 fingerprint of the request would be, for every key order the body could have.
    const plain = [`{"code":${JSON.stringify(code)},"sessionId":${JSON.stringify(body.sessionId)}}`].map((canonical) =>
      crypto.createHash('sha256').update(`POST /v1/verify/check\n${canonical}`).digest('hex'),
    );
    expect(plain).not.toContain(row.request_hash);
  });
});

describe('verification logs', () => {
  it('never log the code or the token, even at trace level', async () => {
    await t.cleanup();
    t = await startRelay({ env: { LOG_LEVEL: 'trace' }, deps: { now: () => clock } });
    const { sessionId, code } = await startAndReadCode({ to: NUMBER, channel: 'sms' }, t.demo.publicKey);
    await check(sessionId, wrongCode(code), t.demo.publicKey);
    const ok = await check(sessionId, code, t.demo.publicKey);
    expect(ok.body.valid).toBe(true);
    await settled();
    const logs = t.logText();
    expect(logs).toContain('/v1/verify/check');
    expect(logs).toContain('message handed to provider');
    expect(logs).not.toContain(code);
    expect(logs).not.toContain(ok.body.token);
    expect(logs).not.toContain(NUMBER);
  });
});
