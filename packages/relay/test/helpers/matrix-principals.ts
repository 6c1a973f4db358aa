import { expect } from 'vitest';
import type { Permission, Role } from '@messagejs/shared-types';
import { roleDefaults } from '../../src/domain/permissions.js';
import { call, type TestRelay } from './start-relay.js';
import { addMember, cookiesOf, login, OWNER, type Tokens } from './accounts.js';

/**
 * Who calls an admin route in the authorization matrix: every kind of credential, valid or not,
 * with what the matrix needs to know to predict the answer (`authorization-matrix.test.ts`).
 */
export interface Caller {
  name: string;
  /** How it authenticates. */
  auth: 'session' | 'token' | 'key' | 'none' | 'cookie';
  /** False for a credential that must be refused with 401 (expired, revoked, suspended, a project key, none). */
  valid: boolean;
  account: 'A' | 'B';
  permissions: ReadonlySet<Permission>;
  /** Limited to project A2 (the routes about project A1 answer it 404). */
  restricted: boolean;
  /** The person behind a session, whose sessions a password change ends, and their password. */
  email?: string;
  password?: string;
  headers(): Record<string, string>;
  /** Signs in again, after a route ended this session (a password change, a logout). */
  renew?(): Promise<void>;
}

const MEMBER_PASSWORD = 'member password 1';
let ips = 0;
/** A fresh client address per sign-in, so the per-IP sign-in limit never trips. */
const nextIp = () => `198.51.${Math.floor(++ips / 250)}.${(ips % 250) + 1}`;

/** Signs in (failing the test otherwise). */
export async function session(t: TestRelay, email: string, password: string): Promise<Tokens> {
  const res = await login(t, email, password, nextIp());
  expect(res.status, `sign-in of ${email}`).toBe(200);
  return res.body as Tokens;
}

function sessionCaller(
  t: TestRelay,
  name: string,
  tokens: Tokens,
  who: { email: string; password: string; role: Role; account: 'A' | 'B'; restricted?: boolean },
): Caller & { tokens: Tokens } {
  const caller = {
    name,
    auth: 'session' as const,
    valid: true,
    account: who.account,
    permissions: roleDefaults[who.role],
    restricted: who.restricted ?? false,
    email: who.email,
    password: who.password,
    tokens,
    headers: () => ({ authorization: `Bearer ${caller.tokens.accessToken}` }),
    async renew() {
      caller.tokens = await session(t, who.email, who.password);
    },
  };
  return caller;
}

const invalid = (name: string, auth: Caller['auth'], headers: Record<string, string>): Caller => ({
  name,
  auth,
  valid: false,
  account: 'A',
  permissions: new Set(),
  restricted: false,
  headers: () => headers,
});

async function adminToken(
  t: TestRelay,
  owner: Tokens,
  body: Record<string, unknown>,
): Promise<{ id: string; token: string }> {
  const res = await call(t, 'POST', '/v1/admin-tokens', { key: owner.accessToken, body: { name: 'matrix', ...body } });
  expect(res.status).toBe(201);
  return { id: res.body.adminToken.id, token: res.body.token };
}

/**
 * Every caller of the matrix. The expired ones are made first, then the clock moves 16 minutes
 * (past the access tokens' 15 and the short token's expiry), then everyone else signs in.
 */
export async function makeCallers(
  t: TestRelay & { clock: { now: number; advance(ms: number): void } },
  first: Tokens,
  projects: { a2: string },
): Promise<Caller[]> {
  const expiredJwt = first.accessToken;
  const expiring = await adminToken(t, first, {
    permissions: ['view_history'],
    expiresAt: new Date(t.clock.now + 60_000).toISOString(),
  });
  t.clock.advance(16 * 60_000);
  const ownerTokens = await session(t, OWNER.email, OWNER.password);
  const member = async (email: string, role: Role, projectIds?: string[]) => {
    await addMember(t, ownerTokens, { email, role, ...(projectIds && { projectIds }) }, MEMBER_PASSWORD);
    const name = `${role}${projectIds ? ' limited to A2' : ''}`;
    return sessionCaller(t, name, await session(t, email, MEMBER_PASSWORD), {
      email,
      password: MEMBER_PASSWORD,
      role,
      account: 'A',
      restricted: projectIds !== undefined,
    });
  };
  const callers: Caller[] = [sessionCaller(t, 'owner', ownerTokens, { ...OWNER, role: 'owner', account: 'A' })];
  for (const role of ['admin', 'manager', 'sender', 'viewer'] as const)
    callers.push(await member(`${role}@a.example`, role));
  callers.push(await member('limited@a.example', 'manager', [projects.a2]));

  const bEmail = 'owner@b.example';
  const bPassword = 'owner b password';
  const registered = await call(t, 'POST', '/v1/auth/register', { body: { email: bEmail, password: bPassword } });
  expect(registered.status).toBe(201);
  callers.push(
    sessionCaller(t, 'owner of account B', registered.body, {
      email: bEmail,
      password: bPassword,
      role: 'owner',
      account: 'B',
    }),
  );

  const suspended = await member('suspended@a.example', 'admin');
  const off = await call(
    t,
    'POST',
    `/v1/accounts/${ownerTokens.accountId}/members/${suspended.tokens.memberId}/suspend`,
    {
      key: ownerTokens.accessToken,
    },
  );
  expect(off.status).toBe(200);
  callers.push({ ...suspended, name: 'suspended admin', valid: false, renew: undefined });

  const revoked = await adminToken(t, ownerTokens, { permissions: ['view_history'] });
  expect((await call(t, 'DELETE', `/v1/admin-tokens/${revoked.id}`, { key: ownerTokens.accessToken })).status).toBe(
    200,
  );
  const narrow = await adminToken(t, ownerTokens, { permissions: ['view_history'] });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  callers.push(
    invalid('expired access token', 'session', bearer(expiredJwt)),
    invalid('revoked mat_', 'token', bearer(revoked.token)),
    invalid('expired mat_', 'token', bearer(expiring.token)),
    {
      name: 'mat_ with view_history only',
      auth: 'token',
      valid: true,
      account: 'A',
      permissions: new Set<Permission>(['view_history']),
      restricted: false,
      headers: () => bearer(narrow.token),
    },
    invalid('public key', 'key', bearer(t.demo.publicKey)),
    invalid('secret key', 'key', bearer(t.demo.secretKey)),
    invalid('no credential', 'none', {}),
  );
  let cookie = '';
  const browser: Caller = {
    name: 'owner’s browser cookie without CSRF token',
    auth: 'cookie',
    valid: true,
    account: 'A',
    permissions: roleDefaults.owner,
    restricted: false,
    email: OWNER.email,
    password: OWNER.password,
    headers: () => ({ cookie }),
    async renew() {
      const signedIn = await login(t, OWNER.email, OWNER.password, nextIp());
      expect(signedIn.status).toBe(200);
      cookie = cookiesOf(signedIn.headers);
    },
  };
  await browser.renew!();
  callers.push(browser);
  return callers;
}
