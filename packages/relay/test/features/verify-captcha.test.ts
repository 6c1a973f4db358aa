import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setVerifySettings } from '@messagejs/relay';
import { call, DEMO_ORIGIN, startRelay, waitForIdle, type TestRelay } from '../helpers/start-relay.js';
import { snapshot } from '../helpers/store-snapshot.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { waitForCode } from '../helpers/verify.js';

const SECRET = '0x4AAAAAAAcaptcha-secret-for-tests';
const paths = {
  turnstile: '/turnstile/v0/siteverify',
  hcaptcha: '/siteverify',
  recaptcha: '/recaptcha/api/siteverify',
} as const;
type Provider = keyof typeof paths;

let siteverify: FakeProvider;
let t: TestRelay;
beforeAll(async () => {
  siteverify = await startFakeProvider();
});
afterAll(() => siteverify.close());
afterEach(async () => {
  await t.cleanup();
  siteverify.requests.length = 0;
});

/** A relay whose CAPTCHA providers all point at the fake siteverify server. */
async function relayWith(provider: Provider, baseUrl = siteverify.url): Promise<TestRelay> {
  const relay = await startRelay({
    deps: { captchaBaseUrls: { turnstile: baseUrl, hcaptcha: baseUrl, recaptcha: baseUrl } },
  });
  await setVerifySettings(
    relay.relay.store,
    relay.relay.sealer,
    relay.demo.projectId,
    { captcha: provider, captchaSecret: SECRET },
    Date.now(),
  );
  return relay;
}

// `serverError`: the provider-failure cases expect the designed `503 captcha_unavailable`.
const start = (body: Record<string, unknown>, key = t.demo.publicKey) =>
  call(t, 'POST', '/v1/verify/send', {
    key,
    body: { to: '+212612345678', channel: 'sms', ...body },
    ...(key.startsWith('pk_') && { origin: DEMO_ORIGIN }),
    serverError: true,
  });

async function writesNothing<T>(request: () => Promise<T>): Promise<T> {
  await waitForIdle(t);
  const before = await snapshot(t.location);
  const result = await request();
  expect(await snapshot(t.location)).toEqual(before);
  expect(t.console).toEqual([]);
  return result;
}

describe.each(Object.keys(paths) as Provider[])('verify.start with a %s CAPTCHA', (provider) => {
  beforeAll(() => {
    siteverify.reply((req) => ({
      body:
        req.form.get('response') === 'solved'
          ? { success: true }
          : { success: false, 'error-codes': ['invalid-input-response'] },
    }));
  });

  it('answers 400 captcha_required without a token, asking nobody and sending nothing', async () => {
    t = await relayWith(provider);
    const res = await writesNothing(() => start({}));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'captcha_required', field: 'captchaToken' });
    expect(siteverify.requests).toEqual([]);
  });

  it('answers 403 captcha_failed for a token the provider rejects', async () => {
    t = await relayWith(provider);
    const res = await writesNothing(() => start({ captchaToken: 'forged' }));
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'captcha_failed', field: 'captchaToken' });
    expect(siteverify.requests).toHaveLength(1);
  });

  it('sends the code once the provider accepts the token, after posting the documented form to its siteverify', async () => {
    t = await relayWith(provider);
    const res = await start({ captchaToken: 'solved' });
    expect(res.status).toBe(202);
    await waitForCode(t, 1);
    expect(siteverify.requests).toHaveLength(1);
    const req = siteverify.last();
    expect(req.method).toBe('POST');
    expect(req.url).toBe(paths[provider]);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(req.form)).toEqual({ secret: SECRET, response: 'solved', remoteip: '127.0.0.1' });
  });

  it('asks nothing of a secret key: it is a server, not a browser', async () => {
    t = await relayWith(provider);
    expect((await start({}, t.demo.secretKey)).status).toBe(202);
    expect(siteverify.requests).toEqual([]);
  });
});

describe('CAPTCHA provider failures', () => {
  it('answers 503 captcha_unavailable with Retry-After when the provider cannot be reached, never a 500', async () => {
    t = await relayWith('turnstile', 'http://127.0.0.1:9');
    const res = await writesNothing(() => start({ captchaToken: 'solved' }));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('captcha_unavailable');
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('answers 503 captcha_unavailable when the provider answers without a verdict', async () => {
    t = await relayWith('hcaptcha');
    siteverify.reply({ status: 502, body: '<html>Bad gateway</html>' });
    const res = await writesNothing(() => start({ captchaToken: 'solved' }));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('captcha_unavailable');
  });

  it('logs a warning when the provider rejects the project secret itself', async () => {
    t = await relayWith('recaptcha');
    siteverify.reply({ status: 200, body: { success: false, 'error-codes': ['invalid-input-secret'] } });
    expect((await start({ captchaToken: 'solved' })).body.error.code).toBe('captcha_failed');
    const warning = t.logs().find((l) => l.msg === 'CAPTCHA provider rejected the project secret');
    expect(warning).toMatchObject({ provider: 'recaptcha', errorCodes: ['invalid-input-secret'] });
    expect(t.logText()).not.toContain(SECRET);
  });
});

describe('CAPTCHA settings', () => {
  it('seal the secret at rest and can be turned off', async () => {
    t = await relayWith('turnstile');
    const shown = await setVerifySettings(
      t.relay.store,
      t.relay.sealer,
      t.demo.projectId,
      { brand: 'Acme' },
      Date.now(),
    );
    expect(shown.captcha).toEqual({ provider: 'turnstile', secret: 'sealed' });
    expect(JSON.stringify(shown)).not.toContain(SECRET);
    for (const file of fs.readdirSync(t.dataDir)) {
      expect(fs.readFileSync(path.join(t.dataDir, file)).includes(SECRET)).toBe(false);
    }
    expect(JSON.stringify(await snapshot(t.location))).not.toContain(SECRET);
    const off = await setVerifySettings(
      t.relay.store,
      t.relay.sealer,
      t.demo.projectId,
      { captcha: 'none' },
      Date.now(),
    );
    expect(off.captcha).toBe('none');
    expect((await start({})).status).toBe(202);
  });

  it.each([
    [{ captcha: 'turnstile' }, 'captchaSecret'],
    [{ captchaSecret: 'x' }, 'captcha'],
    [{ codeLength: 3 }, 'codeLength'],
    [{ codeLength: 11 }, 'codeLength'],
    [{ ttlMinutes: 31 }, 'ttlMinutes'],
    [{ body: 'Your code is ready' }, 'body'],
    [{ body: '{{code}} for {{name}}' }, 'body'],
  ])('refuse %j naming the field %s', async (patch, field) => {
    t = await startRelay();
    await expect(
      setVerifySettings(t.relay.store, t.relay.sealer, t.demo.projectId, patch as never, Date.now()),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      field,
    });
  });
});
