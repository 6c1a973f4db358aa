import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/start-relay.js';
import { rows, snapshot } from '../helpers/store-snapshot.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';

const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1', eta: 'soon' } };

describe('admin tokens', () => {
  let t: Awaited<ReturnType<typeof startAccountsRelay>>;
  let owner: Tokens;
  let sender: Tokens;
  const create = (key: string, body: unknown) => call(t, 'POST', '/v1/admin-tokens', { key, body });
  beforeAll(async () => {
    t = await startAccountsRelay();
    owner = await setUpOwner(t);
    sender = await addMember(t, owner, { email: 'sam@example.com', role: 'sender' });
  });
  afterAll(() => t.cleanup());

  it('answers the token once; lists and reads show its prefix only', async () => {
    const res = await create(owner.accessToken, { name: 'deploy', permissions: ['manage_templates', 'view_history'] });
    expect(res.status).toBe(201);
    const token = res.body.token as string;
    expect(token).toMatch(/^mat_[0-9A-Za-z]{43}$/);
    expect(res.body.adminToken).toMatchObject({
      name: 'deploy',
      prefix: `${token.slice(0, 12)}…`,
      permissions: ['view_history', 'manage_templates'],
      status: 'active',
      lastUsedAt: null,
    });
    const list = await call(t, 'GET', '/v1/admin-tokens', { key: owner.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.data.map((d: { id: string }) => d.id)).toContain(res.body.adminToken.id);
    const one = await call(t, 'GET', `/v1/admin-tokens/${res.body.adminToken.id}`, { key: owner.accessToken });
    expect(one.status).toBe(200);
    for (const answer of [list.body, one.body]) expect(JSON.stringify(answer)).not.toContain(token);
    expect(JSON.stringify(await rows(t.location, 'admin_tokens'))).not.toContain(token);
  });

  it('refuses permissions beyond its member’s with 400 on permissions, writing nothing', async () => {
    const before = await snapshot(t.location);
    const res = await create(sender.accessToken, { name: 'ci', permissions: ['send_messages', 'manage_keys'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', field: 'permissions' });
    expect(await snapshot(t.location)).toEqual(before);
  });

  it('is refused once revoked or expired', async () => {
    const revoked = (await create(owner.accessToken, { name: 'old', permissions: ['view_history'] })).body;
    expect((await call(t, 'GET', '/v1/auth/me', { key: revoked.token })).status).toBe(200);
    const del = await call(t, 'DELETE', `/v1/admin-tokens/${revoked.adminToken.id}`, { key: owner.accessToken });
    expect(del.status).toBe(200);
    expect(del.body.status).toBe('revoked');
    expect((await call(t, 'GET', '/v1/auth/me', { key: revoked.token })).status).toBe(401);

    const expiresAt = new Date(t.clock.now + 3600_000).toISOString();
    const expiring = (await create(owner.accessToken, { name: 'short', permissions: ['view_history'], expiresAt }))
      .body;
    expect((await call(t, 'GET', '/v1/auth/me', { key: expiring.token })).status).toBe(200);
    t.clock.advance(3600_000);
    expect((await call(t, 'GET', '/v1/auth/me', { key: expiring.token })).status).toBe(401);
    // The access tokens expired with the clock too: refresh them for the next tests.
    const refresh = async (tokens: Tokens) =>
      (await call(t, 'POST', '/v1/auth/refresh', { body: { refreshToken: tokens.refreshToken } })).body as Tokens;
    owner = await refresh(owner);
    sender = await refresh(sender);
    const past = await create(owner.accessToken, {
      name: 'past',
      permissions: ['view_history'],
      expiresAt: new Date(t.clock.now - 1000).toISOString(),
    });
    expect(past.status).toBe(400);
    expect(past.body.error.field).toBe('expiresAt');
  });

  it('cannot make admin tokens itself', async () => {
    const { token } = (await create(owner.accessToken, { name: 'all', permissions: ['manage_members'] })).body;
    const res = await create(token, { name: 'child', permissions: ['manage_members'] });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('does not let a member see another member’s tokens without manage_members', async () => {
    const mine = (await create(owner.accessToken, { name: 'owner only', permissions: ['view_history'] })).body;
    const res = await call(t, 'GET', `/v1/admin-tokens/${mine.adminToken.id}`, { key: sender.accessToken });
    expect(res.status).toBe(404);
    const list = await call(t, 'GET', '/v1/admin-tokens', { key: sender.accessToken });
    expect(list.body.data).toEqual([]);
  });

  describe('on POST /v1/messages', () => {
    it('is refused without send_messages, naming it (403)', async () => {
      const { token } = (await create(owner.accessToken, { name: 'reader', permissions: ['view_history'] })).body;
      const res = await call(t, 'POST', '/v1/messages', {
        key: token,
        headers: { 'messagejs-project': t.demo.projectId },
        body: order,
      });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', permission: 'send_messages' });
    });

    it('sends with send_messages and the MessageJS-Project header, and reads the message back', async () => {
      const { token, adminToken } = (
        await create(owner.accessToken, { name: 'sender', permissions: ['send_messages', 'view_history'] })
      ).body;
      const headers = { 'messagejs-project': t.demo.projectId };
      const res = await call(t, 'POST', '/v1/messages', { key: token, headers, body: order });
      expect(res.status).toBe(202);
      const read = await call(t, 'GET', `/v1/messages/${res.body.id}`, { key: token, headers });
      expect(read.status).toBe(200);
      const stored = (await rows<{ id: string; key_id: string }>(t.location, 'messages')).find(
        (m) => m.id === res.body.id,
      )!;
      expect(stored.key_id).toBe(adminToken.id);
      const missing = await call(t, 'POST', '/v1/messages', { key: token, body: order });
      expect(missing.status).toBe(400);
      expect(missing.body.error.field).toBe('MessageJS-Project');
    });

    it('records its last use off the request path (written at the next flush)', async () => {
      const { token, adminToken } = (
        await create(owner.accessToken, { name: 'touched', permissions: ['view_history'] })
      ).body;
      expect((await call(t, 'GET', '/v1/auth/me', { key: token })).status).toBe(200);
      const stored = async () =>
        (await rows<{ id: string; last_used_at: number | null }>(t.location, 'admin_tokens')).find(
          (r) => r.id === adminToken.id,
        )!;
      expect((await stored()).last_used_at).toBeNull();
      await t.close();
      expect((await stored()).last_used_at).toBe(t.clock.now);
    });
  });
});
