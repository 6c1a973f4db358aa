import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type TestRelay } from '../helpers/start-relay.js';
import { snapshot } from '../helpers/store-snapshot.js';
import { OWNER, cookiesOf, login, setUpOwner, startAccountsRelay } from '../helpers/accounts.js';

/**
 * A cookie-authenticated write (`PATCH /v1/accounts/:accountId`, the accounts room's own write;
 * the projects routes come with the project admin API) needs the session's CSRF token and the
 * relay's own origin; a Bearer request needs neither.
 */
describe('CSRF protection of cookie-authenticated writes', () => {
  let t: TestRelay;
  let cookie: string;
  let csrf: string;
  let accountId: string;
  let accessToken: string;
  beforeAll(async () => {
    t = await startAccountsRelay();
    await setUpOwner(t);
    const res = await login(t, OWNER.email, OWNER.password);
    cookie = cookiesOf(res.headers);
    csrf = res.body.csrfToken as string;
    accountId = res.body.accountId as string;
    accessToken = res.body.accessToken as string;
  });
  afterAll(() => t.cleanup());

  const rename = (name: string, headers: Record<string, string>, origin?: string) =>
    call(t, 'PATCH', `/v1/accounts/${accountId}`, {
      body: { name },
      headers: { cookie, ...headers },
      ...(origin && { origin }),
    });

  it('reads with the cookie alone', async () => {
    const res = await call(t, 'GET', `/v1/accounts/${accountId}`, { headers: { cookie } });
    expect(res.status).toBe(200);
  });

  it.each([
    ['no CSRF token', {}, undefined],
    ['a wrong CSRF token', { 'x-csrf-token': 'A'.repeat(43) }, undefined],
    ['the right token from another origin', 'right', 'https://evil.example'],
    ['the right token marked cross-site', 'right-cross-site', undefined],
  ] as const)('refuses a write with %s (403 csrf_failed) and changes nothing', async (_name, headers, origin) => {
    const before = await snapshot(t.location);
    const sent =
      headers === 'right'
        ? { 'x-csrf-token': csrf }
        : headers === 'right-cross-site'
          ? { 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' }
          : headers;
    const res = await rename('Hijacked', sent, origin);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_failed');
    expect(await snapshot(t.location)).toEqual(before);
  });

  it('accepts a write with the right token from the relay’s own origin', async () => {
    const res = await rename('Renamed', { 'x-csrf-token': csrf }, t.url);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Renamed');
  });

  it('exempts Bearer requests', async () => {
    const res = await call(t, 'PATCH', `/v1/accounts/${accountId}`, { key: accessToken, body: { name: 'By bearer' } });
    expect(res.status).toBe(200);
  });

  it('refuses a cookie refresh without the CSRF header, and takes it with the header', async () => {
    const refused = await call(t, 'POST', '/v1/auth/refresh', { body: {}, headers: { cookie } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('csrf_failed');
    const ok = await call(t, 'POST', '/v1/auth/refresh', { body: {}, headers: { cookie, 'x-csrf-token': csrf } });
    expect(ok.status).toBe(200);
  });

  it('refuses a project key on an admin route with 401, whatever it may do elsewhere', async () => {
    for (const key of [t.demo.publicKey, t.demo.secretKey]) {
      const res = await call(t, 'GET', `/v1/accounts/${accountId}`, { key });
      expect(res.status).toBe(401);
      expect(res.body.error.message).toContain('Project keys');
    }
  });
});
