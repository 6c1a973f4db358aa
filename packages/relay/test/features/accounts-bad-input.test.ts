import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/start-relay.js';
import { snapshot } from '../helpers/store-snapshot.js';
import { OWNER, addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';

/**
 * Bad input on every write route of the accounts room: an unknown field is 400
 * `validation_failed` naming it, a body that is not JSON is 415, a JSON array is 400 — never a
 * 500 — and nothing is written.
 */
describe('bad input on the accounts routes', () => {
  let t: Awaited<ReturnType<typeof startAccountsRelay>>;
  let owner: Tokens;
  let member: Tokens;
  beforeAll(async () => {
    t = await startAccountsRelay({ env: { MESSAGEJS_SIGNUP: 'open' } });
    owner = await setUpOwner(t);
    member = await addMember(t, owner, { email: 'm@example.com', role: 'viewer' });
  });
  afterAll(() => t.cleanup());

  const routes = (): Array<[method: string, path: string, body: Record<string, unknown>, key?: string]> => [
    ['POST', '/v1/auth/setup', { token: `st_${'a'.repeat(43)}`, ...OWNER }],
    ['POST', '/v1/auth/register', { email: 'x@example.com', password: 'a long password' }],
    ['POST', '/v1/auth/login', { email: OWNER.email, password: OWNER.password }],
    ['POST', '/v1/auth/refresh', { refreshToken: owner.refreshToken }],
    ['POST', '/v1/invites/accept', { token: `inv_${'a'.repeat(43)}`, password: 'a long password' }],
    [
      'POST',
      '/v1/auth/password',
      { currentPassword: OWNER.password, newPassword: 'another password' },
      owner.accessToken,
    ],
    ['PATCH', `/v1/accounts/${owner.accountId}`, { name: 'New name' }, owner.accessToken],
    ['PATCH', `/v1/accounts/${owner.accountId}/members/${member.memberId}`, { role: 'sender' }, owner.accessToken],
    ['POST', `/v1/accounts/${owner.accountId}/invites`, { email: 'n@example.com', role: 'viewer' }, owner.accessToken],
    ['POST', '/v1/admin-tokens', { name: 'ci', permissions: ['view_history'] }, owner.accessToken],
  ];

  it('names an unknown field (400), writing nothing', async () => {
    for (const [method, path, body, key] of routes()) {
      const before = await snapshot(t.location);
      const res = await call(t, method, path, { body: { ...body, unknownField: 1 }, ...(key && { key }) });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field: 'unknownField' });
      expect(await snapshot(t.location), `${method} ${path}`).toEqual(before);
    }
  });

  it('refuses a body that is not JSON (415) or not an object (400), writing nothing', async () => {
    for (const [method, path, , key] of routes()) {
      const before = await snapshot(t.location);
      const text = await call(t, method, path, {
        rawBody: 'name=x',
        headers: { 'content-type': 'text/plain' },
        ...(key && { key }),
      });
      expect(text.status, `${method} ${path}`).toBe(415);
      const array = await call(t, method, path, { body: [1], ...(key && { key }) });
      expect(array.status, `${method} ${path}`).toBe(400);
      expect(await snapshot(t.location), `${method} ${path}`).toEqual(before);
    }
  });

  it('answers a wrong type with the field at fault', async () => {
    const res = await call(t, 'POST', '/v1/admin-tokens', {
      key: owner.accessToken,
      body: { name: 'ci', permissions: ['fly'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('permissions.0');
    const member = await call(t, 'PATCH', `/v1/accounts/${owner.accountId}/members/${owner.memberId}`, {
      key: owner.accessToken,
      body: { role: 'emperor' },
    });
    expect(member.status).toBe(400);
    expect(member.body.error.field).toBe('role');
  });
});
