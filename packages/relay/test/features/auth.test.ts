import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dropStorage,
  startRelay,
  storageFor,
  tempDir,
  type TestRelay,
  fetchChecked,
} from '../helpers/start-relay.js';
import { rows } from '../helpers/store-snapshot.js';
import { runCli, spawnRelay } from '../helpers/cli.js';
import {
  CHEAP_PASSWORDS,
  OWNER,
  cookiesOf,
  decodeJwt,
  login,
  setUpOwner,
  setupToken,
  signIn,
  startAccountsRelay,
} from '../helpers/accounts.js';

const withoutRequestId = (body: any) => ({ error: { ...body.error, requestId: undefined } });

describe('auth.setup', () => {
  it('prints a one-time setup link at the first start, and serves the setup page under the CSP', async () => {
    const dir = tempDir();
    const storage = await storageFor(dir);
    const relay = await spawnRelay(dir, storage.env);
    try {
      const link = /(http:\/\/\S+\/setup\?token=st_[0-9A-Za-z]{43})/.exec(relay.output())?.[1];
      expect(link).toBeDefined();
      expect(relay.output()).toMatch(/Public key\s+pk_/);
      const page = await fetchChecked(`${relay.url}/setup?token=x`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await page.text();
      expect(html).toContain('<script src="/setup.js"></script>');
      expect(html).not.toMatch(/<script>|\son[a-z]+=/);
      expect((await fetchChecked(`${relay.url}/setup.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    } finally {
      relay.proc.kill('SIGTERM');
      await new Promise((r) => relay.proc.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
      await dropStorage(dir);
    }
  });

  describe('POST /v1/auth/setup', () => {
    let t: TestRelay;
    beforeAll(async () => {
      t = await startAccountsRelay();
    });
    afterAll(() => t.cleanup());

    it('refuses a token the relay did not hand out with 401', async () => {
      await setupToken(t);
      const res = await call(t, 'POST', '/v1/auth/setup', { body: { token: `st_${'a'.repeat(43)}`, ...OWNER } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(await rows(t.location, 'users')).toEqual([]);
    });

    it('creates the owner, answers tokens and three cookies, and gives the demo project to the new account', async () => {
      const token = await setupToken(t);
      const res = await call(t, 'POST', '/v1/auth/setup', { body: { token, ...OWNER } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ expiresIn: 900, tokenType: 'Bearer' });
      expect(res.body.accessToken).toMatch(/^eyJ/);
      expect(res.body.refreshToken).toMatch(/^mrt_/);
      const cookies = res.headers.getSetCookie();
      expect(cookies).toHaveLength(3);
      for (const c of cookies) expect(c).toMatch(/; Secure; SameSite=Strict/);
      expect(cookies.filter((c) => c.includes('HttpOnly')).map((c) => c.split('=')[0])).toEqual([
        '__Host-mjs_at',
        '__Host-mjs_rt',
      ]);
      expect(cookies.find((c) => c.startsWith('__Host-mjs_csrf='))).not.toContain('HttpOnly');
      const projects = await rows<{ id: string; account_id: string }>(t.location, 'projects');
      expect(projects.find((p) => p.id === t.demo.projectId)!.account_id).toBe(res.body.accountId);
      const me = await call(t, 'GET', '/v1/auth/me', { key: res.body.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.member.role).toBe('owner');
      expect(me.body.projects.map((p: { id: string }) => p.id)).toEqual([t.demo.projectId]);
      const audit = await rows<{ action: string; account_id: string | null }>(t.location, 'audit');
      expect(audit.map((a) => a.action)).toContain('auth.setup');
      // The operator's history (the demo's creation) became the account's.
      expect(audit.every((a) => a.account_id === res.body.accountId)).toBe(true);
    });

    it('answers 409 already_set_up to the same token again', async () => {
      const res = await call(t, 'POST', '/v1/auth/setup', {
        body: { token: `st_${'b'.repeat(43)}`, ...OWNER, email: 'second@example.com' },
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('already_set_up');
      expect(await t.relay.setupLink()).toBeNull();
    });
  });

  it('answers 410 to a setup link older than 24 hours', async () => {
    const t = await startAccountsRelay();
    try {
      const token = await setupToken(t);
      t.clock.advance(24 * 3600_000 + 60_000);
      const res = await call(t, 'POST', '/v1/auth/setup', { body: { token, ...OWNER } });
      expect(res.status).toBe(410);
      expect(res.body.error.code).toBe('setup_token_expired');
      expect(await rows(t.location, 'users')).toEqual([]);
    } finally {
      await t.cleanup();
    }
  });

  it('is done from a shell by `users create --password-stdin --role owner`, and sign-in works after it', async () => {
    const dir = path.join(tempDir(), 'data');
    const storage = await storageFor(dir);
    try {
      const init = await runCli(['init', '--data-dir', dir, '--json'], { env: storage.env });
      expect(init.code).toBe(0);
      const demo = JSON.parse(init.stdout);
      expect(demo.setupUrl).toMatch(/\/setup\?token=st_/);
      const created = await runCli(
        ['users', 'create', '--data-dir', dir, '--email', OWNER.email, '--password-stdin', '--role', 'owner', '--json'],
        { input: `${OWNER.password}\n`, env: storage.env },
      );
      expect(created.code).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ email: OWNER.email, role: 'owner' });
      const again = await runCli(
        ['users', 'create', '--data-dir', dir, '--email', OWNER.email, '--password-stdin', '--role', 'owner'],
        { input: OWNER.password, env: storage.env },
      );
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already_exists');
      const t = await startRelay({ location: storage.location, demo, deps: { passwordHashing: CHEAP_PASSWORDS } });
      try {
        const tokens = await signIn(t, OWNER.email, OWNER.password);
        const me = await call(t, 'GET', '/v1/auth/me', { key: tokens.accessToken });
        expect(me.body.projects.map((p: { id: string }) => p.id)).toEqual([demo.projectId]);
      } finally {
        await t.close();
      }
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
      await dropStorage(dir);
    }
  });
});

describe('POST /v1/auth/login', () => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startAccountsRelay();
    await setUpOwner(t);
  });
  afterAll(() => t.cleanup());

  it('answers a wrong password and an unknown address with the same 401 body', async () => {
    const wrong = await login(t, OWNER.email, 'not the password', '198.51.100.10');
    const unknown = await login(t, 'nobody@example.com', 'not the password', '198.51.100.10');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(JSON.stringify(withoutRequestId(wrong.body))).toBe(JSON.stringify(withoutRequestId(unknown.body)));
  });

  it('refuses the 11th failure for one address with 429 and Retry-After', async () => {
    const email = 'target@example.com';
    for (let i = 0; i < 10; i++) expect((await login(t, email, 'wrong password', '198.51.100.11')).status).toBe(401);
    const blocked = await login(t, email, 'wrong password', '198.51.100.12');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses the 31st attempt a minute from one client, whatever the addresses', async () => {
    const statuses = [];
    for (let i = 0; i < 31; i++) statuses.push((await login(t, `u${i}@example.com`, 'x', '198.51.100.13')).status);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
  });

  it('clears the failures of an address after a success', async () => {
    // One failure above, eight here: nine in a row, one short of the block.
    for (let i = 0; i < 8; i++) await login(t, OWNER.email, 'wrong password', '198.51.100.14');
    expect((await login(t, OWNER.email, OWNER.password, '198.51.100.14')).status).toBe(200);
    for (let i = 0; i < 10; i++) {
      expect((await login(t, OWNER.email, 'wrong password', '198.51.100.15')).status).toBe(401);
    }
  });

  it('refuses a sign-in form posted from another site', async () => {
    const res = await call(t, 'POST', '/v1/auth/login', {
      body: { email: OWNER.email, password: OWNER.password },
      origin: 'https://evil.example',
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_failed');
  });
});

describe('access tokens', () => {
  it('are ES256 JWTs of type at+jwt that live 15 minutes', async () => {
    const t = await startAccountsRelay();
    try {
      const tokens = await setUpOwner(t);
      const { header, claims } = decodeJwt(tokens.accessToken);
      expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
      expect(claims.exp - claims.iat).toBe(900);
      expect(claims.aud).toBe('messagejs-admin');
      t.clock.advance(15 * 60_000 - 1000);
      expect((await call(t, 'GET', '/v1/auth/me', { key: tokens.accessToken })).status).toBe(200);
      // 15 min 1 s after it was issued.
      t.clock.advance(2000);
      const expired = await call(t, 'GET', '/v1/auth/me', { key: tokens.accessToken });
      expect(expired.status).toBe(401);
      expect(expired.body.error.code).toBe('token_expired');
    } finally {
      await t.cleanup();
    }
  });

  it('refuses a tampered token', async () => {
    const t = await startAccountsRelay();
    try {
      const tokens = await setUpOwner(t);
      const [h, c, s] = tokens.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(c!, 'base64url').toString());
      const forged = [h, Buffer.from(JSON.stringify({ ...claims, mid: 'mbr_other' })).toString('base64url'), s];
      const res = await call(t, 'GET', '/v1/auth/me', { key: forged.join('.') });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    } finally {
      await t.cleanup();
    }
  });
});

describe('sessions', () => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startAccountsRelay();
    await setUpOwner(t);
  });
  afterAll(() => t.cleanup());

  it('rotates the refresh token; a reused one revokes the whole family', async () => {
    const first = await signIn(t, OWNER.email, OWNER.password);
    const rotated = await call(t, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
    expect(rotated.body.csrfToken).toBe(first.csrfToken);
    const reused = await call(t, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe('refresh_token_reused');
    const newest = await call(t, 'POST', '/v1/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } });
    expect(newest.status).toBe(401);
    expect((await call(t, 'GET', '/v1/auth/me', { key: rotated.body.accessToken })).status).toBe(401);
    expect((await call(t, 'GET', '/v1/auth/me', { key: first.accessToken })).status).toBe(401);
  });

  it('refreshes from the browser cookie with the CSRF header', async () => {
    const res = await login(t, OWNER.email, OWNER.password);
    const refreshed = await call(t, 'POST', '/v1/auth/refresh', {
      body: {},
      headers: { cookie: cookiesOf(res.headers), 'x-csrf-token': res.body.csrfToken },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.getSetCookie()).toHaveLength(3);
  });

  it('ends the other sessions when the password changes, and keeps this one', async () => {
    const mine = await signIn(t, OWNER.email, OWNER.password);
    const other = await signIn(t, OWNER.email, OWNER.password);
    const changed = await call(t, 'POST', '/v1/auth/password', {
      key: mine.accessToken,
      body: { currentPassword: OWNER.password, newPassword: 'a brand new password' },
    });
    expect(changed.status).toBe(204);
    expect((await call(t, 'GET', '/v1/auth/me', { key: other.accessToken })).status).toBe(401);
    expect((await call(t, 'POST', '/v1/auth/refresh', { body: { refreshToken: other.refreshToken } })).status).toBe(
      401,
    );
    expect((await call(t, 'GET', '/v1/auth/me', { key: mine.accessToken })).status).toBe(200);
    expect((await login(t, OWNER.email, OWNER.password)).status).toBe(401);
    expect((await login(t, OWNER.email, 'a brand new password')).status).toBe(200);
    const wrong = await call(t, 'POST', '/v1/auth/password', {
      key: mine.accessToken,
      body: { currentPassword: 'not it at all', newPassword: 'another new password' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.field).toBe('currentPassword');
  });

  it('ends the session at logout: its refresh token and access token stop working', async () => {
    const tokens = await signIn(t, OWNER.email, 'a brand new password');
    expect((await call(t, 'POST', '/v1/auth/logout', { key: tokens.accessToken })).status).toBe(204);
    const refresh = await call(t, 'POST', '/v1/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    expect(refresh.status).toBe(401);
    expect((await call(t, 'GET', '/v1/auth/me', { key: tokens.accessToken })).status).toBe(401);
  });
});

describe('POST /v1/auth/register', () => {
  it('is closed unless MESSAGEJS_SIGNUP is open', async () => {
    const t = await startAccountsRelay();
    try {
      const res = await call(t, 'POST', '/v1/auth/register', {
        body: { email: 'new@example.com', password: 'a long password' },
      });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('signup_disabled');
      expect(await rows(t.location, 'users')).toEqual([]);
    } finally {
      await t.cleanup();
    }
  });

  it('with MESSAGEJS_SIGNUP=open, makes a new account that sees none of the first account’s projects', async () => {
    const t = await startAccountsRelay({ env: { MESSAGEJS_SIGNUP: 'open' } });
    try {
      const owner = await setUpOwner(t);
      const res = await call(t, 'POST', '/v1/auth/register', {
        body: { email: 'new@example.com', password: 'a long password', accountName: 'Other' },
      });
      expect(res.status).toBe(201);
      expect(res.body.accountId).not.toBe(owner.accountId);
      const me = await call(t, 'GET', '/v1/auth/me', { key: res.body.accessToken });
      expect(me.body.account.name).toBe('Other');
      expect(me.body.projects).toEqual([]);
      const theirs = await call(t, 'GET', `/v1/accounts/${owner.accountId}`, { key: res.body.accessToken });
      expect(theirs.status).toBe(404);
      const taken = await call(t, 'POST', '/v1/auth/register', {
        body: { email: OWNER.email, password: 'a long password' },
      });
      expect(taken.status).toBe(409);
    } finally {
      await t.cleanup();
    }
  });
});
