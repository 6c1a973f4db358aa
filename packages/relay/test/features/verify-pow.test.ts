import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { setVerifySettings } from '@messagejs/relay';
import type { PowChallenge } from '@messagejs/shared-types';
import { call, DEMO_ORIGIN, startRelay, waitForIdle, type TestRelay } from '../helpers/start-relay.js';
import { snapshot } from '../helpers/store-snapshot.js';
import { waitForCode } from '../helpers/verify.js';

let t: TestRelay;
let clock = Date.now();
afterEach(async () => {
  await t.cleanup();
});

/** A relay with a movable clock whose demo project asks public keys for the relay's own proof of work. */
async function relayWithPow(patch: Record<string, unknown> = {}): Promise<TestRelay> {
  clock = Date.now();
  const relay = await startRelay({ deps: { now: () => clock } });
  await setVerifySettings(
    relay.relay.store,
    relay.relay.sealer,
    relay.demo.projectId,
    { captcha: 'pow', powMaxNumber: 1000, ...patch },
    clock,
  );
  return relay;
}

/** The test's own solver: what the client does with crypto.subtle, here with node:crypto. */
function solve(c: PowChallenge): { token: string; number: number } {
  for (let number = 0; number <= c.maxnumber; number++) {
    if (
      crypto
        .createHash('sha256')
        .update(c.salt + number)
        .digest('hex') === c.challenge
    ) {
      return {
        number,
        token: tokenOf({
          algorithm: c.algorithm,
          challenge: c.challenge,
          number,
          salt: c.salt,
          signature: c.signature,
        }),
      };
    }
  }
  throw new Error('no solution');
}
const tokenOf = (solution: unknown) => Buffer.from(JSON.stringify(solution)).toString('base64');

const start = (body: Record<string, unknown> = {}, key = t.demo.publicKey) =>
  call(t, 'POST', '/v1/verify/send', {
    key,
    body: { to: '+212612345678', channel: 'sms', ...body },
    ...(key.startsWith('pk_') && { origin: DEMO_ORIGIN }),
  });
const sendOrder = (body: Record<string, unknown> = {}, key = t.demo.publicKey) =>
  call(t, 'POST', '/v1/messages', {
    key,
    body: { template: 'order_update', to: '+212612345678', params: { order: 'A-1001', eta: 'tomorrow' }, ...body },
    ...(key.startsWith('pk_') && { origin: DEMO_ORIGIN }),
  });

/** A challenge, from the `captcha_required` answer to a request without a solution. */
async function challenge(request = start): Promise<PowChallenge> {
  const res = await request();
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('captcha_required');
  return res.body.error.challenge as PowChallenge;
}

async function writesNothing<T>(request: () => Promise<T>): Promise<T> {
  await waitForIdle(t);
  const before = await snapshot(t.location);
  const result = await request();
  expect(await snapshot(t.location)).toEqual(before);
  expect(t.console).toEqual([]);
  return result;
}

describe('verify.start with the proof-of-work CAPTCHA', () => {
  it('answers 400 captcha_required with a signed, expiring challenge, writing nothing', async () => {
    t = await relayWithPow();
    const res = await writesNothing(() => start());
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'captcha_required', field: 'captchaToken' });
    const c = res.body.error.challenge as PowChallenge;
    expect(c).toEqual({
      algorithm: 'SHA-256',
      challenge: expect.stringMatching(/^[0-9a-f]{64}$/),
      salt: expect.any(String),
      maxnumber: 1000,
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const expires = Number(new URLSearchParams(c.salt.split('?')[1]).get('expires')) * 1000;
    expect(expires - clock).toBeGreaterThan(4 * 60_000);
    expect(expires - clock).toBeLessThanOrEqual(5 * 60_000 + 1000);
  });

  it('sends the code for a solved challenge', async () => {
    t = await relayWithPow();
    const res = await start({ captchaToken: solve(await challenge()).token });
    expect(res.status).toBe(202);
    await waitForCode(t, 1);
  });

  it('refuses a tampered signature with 403 captcha_failed', async () => {
    t = await relayWithPow();
    const c = await challenge();
    const { number } = solve(c);
    const forged = { ...c, number, signature: crypto.createHmac('sha256', 'guess').update(c.challenge).digest('hex') };
    delete (forged as Partial<PowChallenge>).maxnumber;
    const res = await writesNothing(() => start({ captchaToken: tokenOf(forged) }));
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'captcha_failed', field: 'captchaToken' });
  });

  it('refuses a wrong number with 403 captcha_failed', async () => {
    t = await relayWithPow();
    const c = await challenge();
    const { number } = solve(c);
    const res = await writesNothing(() =>
      start({
        captchaToken: tokenOf({
          algorithm: c.algorithm,
          challenge: c.challenge,
          number: number + 1,
          salt: c.salt,
          signature: c.signature,
        }),
      }),
    );
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('captcha_failed');
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['a JSON string', tokenOf('solved')],
    ['an empty object', tokenOf({})],
    [
      'a huge number',
      tokenOf({ algorithm: 'SHA-256', challenge: 'a'.repeat(64), number: 1e300, salt: 'x', signature: 'b'.repeat(64) }),
    ],
  ])('refuses a token that is %s with 403 captcha_failed', async (_name, token) => {
    t = await relayWithPow();
    const res = await writesNothing(() => start({ captchaToken: token }));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('captcha_failed');
  });

  it('refuses a solution after its challenge expired, with a fresh challenge', async () => {
    t = await relayWithPow();
    const { token } = solve(await challenge());
    clock += 5 * 60_000 + 1000;
    const res = await writesNothing(() => start({ captchaToken: token }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('captcha_required');
    const fresh = res.body.error.challenge as PowChallenge;
    expect((await start({ captchaToken: solve(fresh).token })).status).toBe(202);
  });

  it('refuses a solution used already, with a fresh challenge', async () => {
    t = await relayWithPow();
    const { token } = solve(await challenge());
    expect((await start({ captchaToken: token })).status).toBe(202);
    await waitForCode(t, 1);
    clock += 60_000; // past the resend cooldown: only the spent solution stands in the way
    const res = await start({ captchaToken: token });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'captcha_required', challenge: { algorithm: 'SHA-256' } });
  });

  it('lets one of two concurrent requests with the same solution through', async () => {
    t = await relayWithPow();
    const { token } = solve(await challenge());
    const answers = await Promise.all([
      start({ captchaToken: token }),
      start({ captchaToken: token, to: '+212612345679' }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 400]);
  });

  it('refuses a solution of a challenge issued before the relay restarted', async () => {
    t = await relayWithPow();
    const { token } = solve(await challenge());
    await t.close();
    clock += 1000;
    const again = await startRelay({ location: t.location, demo: t.demo, deps: { now: () => clock } });
    t = again;
    const res = await start({ captchaToken: token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('captcha_required');
  });

  it('refuses a challenge solved for another project', async () => {
    t = await relayWithPow();
    const c = await challenge();
    const other = c.salt.replace(/project=[^&]+/, 'project=prj_other');
    const res = await start({ captchaToken: tokenOf({ ...solve(c), salt: other }) });
    expect(res.status).toBe(403);
  });

  it('asks nothing of a secret key', async () => {
    t = await relayWithPow();
    expect((await start({}, t.demo.secretKey)).status).toBe(202);
  });
});

describe('messages.send with the CAPTCHA on sends', () => {
  it('asks public-key template sends for a solved challenge and sends once it is solved', async () => {
    t = await relayWithPow({ captchaOnSends: true });
    const c = await writesNothing(() => challenge(() => sendOrder()));
    const res = await sendOrder({ captchaToken: solve(c).token });
    expect(res.status).toBe(202);
    const replay = await sendOrder({ captchaToken: solve(c).token });
    expect(replay.body.error.code).toBe('captcha_required');
  });

  it('asks nothing of template sends unless the project turns it on, nor of secret keys', async () => {
    t = await relayWithPow();
    expect((await sendOrder()).status).toBe(202);
    await setVerifySettings(t.relay.store, t.relay.sealer, t.demo.projectId, { captchaOnSends: true }, clock);
    expect((await sendOrder({}, t.demo.secretKey)).status).toBe(202);
    expect((await sendOrder()).body.error.code).toBe('captcha_required');
  });
});

describe('verify set with --captcha pow', () => {
  it.each([
    [{ captcha: 'pow', captchaSecret: 'x' }, 'captchaSecret'],
    [{ captchaOnSends: true }, 'captchaOnSends'],
    [{ captcha: 'pow', powMaxNumber: 10 }, 'powMaxNumber'],
  ])('refuses %j naming %s', async (patch, field) => {
    t = await startRelay();
    await expect(
      setVerifySettings(t.relay.store, t.relay.sealer, t.demo.projectId, patch as never, Date.now()),
    ).rejects.toMatchObject({ code: 'validation_failed', field });
  });

  it('shows the provider without a secret', async () => {
    t = await startRelay();
    const shown = await setVerifySettings(
      t.relay.store,
      t.relay.sealer,
      t.demo.projectId,
      { captcha: 'pow', captchaOnSends: true },
      Date.now(),
    );
    expect(shown).toMatchObject({ captcha: { provider: 'pow' }, captchaOnSends: true, powMaxNumber: 100_000 });
  });
});
