import { expect } from 'vitest';
import { call, startRelay, type TestRelay } from './start-relay.js';
import type { RelayDeps } from '@messagejs/relay';

/** A cheap scrypt cost: the tests sign in hundreds of times. */
export const CHEAP_PASSWORDS: RelayDeps['passwordHashing'] = { logN: 10 };

export const OWNER = { email: 'owner@example.com', password: 'correct horse battery' };

/** A test relay whose clock the test moves (`clock.advance`), with cheap password hashing. */
export async function startAccountsRelay(
  options: { env?: Record<string, string>; deps?: RelayDeps; dataDir?: string } = {},
): Promise<TestRelay & { clock: { now: number; advance(ms: number): void } }> {
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const t = await startRelay({
    ...options,
    deps: { passwordHashing: CHEAP_PASSWORDS, now: () => clock.now, ...options.deps },
  });
  return Object.assign(t, { clock });
}

/** The token of a fresh setup link. */
export async function setupToken(t: TestRelay): Promise<string> {
  const link = await t.relay.setupLink();
  if (!link) throw new Error('the relay already has a user');
  return new URL(link).searchParams.get('token')!;
}

/** Signs the first owner up through the setup link; returns the tokens. */
export async function setUpOwner(t: TestRelay, owner = OWNER): Promise<Tokens> {
  const res = await call(t, 'POST', '/v1/auth/setup', { body: { token: await setupToken(t), ...owner } });
  expect(res.status).toBe(201);
  return res.body as Tokens;
}

/** The answer of a sign-in. */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  csrfToken: string;
  accountId: string;
  memberId: string;
}

/** Signs in; the client IP is `ip` (the relay trusts the loopback proxy in tests). */
export async function login(
  t: TestRelay,
  email: string,
  password: string,
  ip = '198.51.100.1',
): Promise<{ status: number; body: any; headers: Headers }> {
  return call(t, 'POST', '/v1/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip } });
}

/** Signs in and returns the tokens (fails the test otherwise). */
export async function signIn(t: TestRelay, email: string, password: string): Promise<Tokens> {
  const res = await login(t, email, password);
  expect(res.status).toBe(200);
  return res.body as Tokens;
}

/** A `Cookie` header carrying the cookies a sign-in set. */
export function cookiesOf(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}

/** A JWT's header and claims. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, any> } {
  const [header, claims] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  return { header, claims };
}

/** Adds a member with `role` through an invite accepted over HTTP; returns the member's tokens. */
export async function addMember(
  t: TestRelay,
  owner: Tokens,
  input: { email: string; role: string; projectIds?: string[]; grant?: string[]; withdraw?: string[] },
  password = 'member password 1',
): Promise<Tokens> {
  const invite = await call(t, 'POST', `/v1/accounts/${owner.accountId}/invites`, {
    key: owner.accessToken,
    body: input,
  });
  expect(invite.status).toBe(201);
  const token = new URL(invite.body.url).searchParams.get('token');
  const accepted = await call(t, 'POST', '/v1/invites/accept', { body: { token, password } });
  expect(accepted.status).toBe(201);
  return accepted.body as Tokens;
}
