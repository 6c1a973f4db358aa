import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '@messagejs/relay';
import { call } from '../helpers/start-relay.js';
import { rows, snapshot } from '../helpers/store-snapshot.js';
import { addMember, setUpOwner, signIn, startAccountsRelay, type Tokens } from '../helpers/accounts.js';

const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1', eta: 'soon' } };

describe('members', () => {
  let t: Awaited<ReturnType<typeof startAccountsRelay>>;
  let owner: Tokens;
  const members = (path = '') => `/v1/accounts/${owner.accountId}/members${path}`;
  beforeAll(async () => {
    t = await startAccountsRelay();
    owner = await setUpOwner(t);
  });
  afterAll(() => t.cleanup());

  describe('invites', () => {
    it('answers the single-use link once, and sends it through the project’s email connector, sealed', async () => {
      const res = await call(t, 'POST', `/v1/accounts/${owner.accountId}/invites`, {
        key: owner.accessToken,
        body: { email: 'ana@example.com', role: 'sender' },
      });
      expect(res.status).toBe(201);
      const token = new URL(res.body.url as string).searchParams.get('token')!;
      expect(token).toMatch(/^inv_/);
      // The demo project's console connector serves `email`: the link went out through it.
      expect(res.body.delivery).toEqual({ messageId: expect.any(String), projectId: t.demo.projectId });
      const message = (await rows<{ id: string; sensitive: number; body: string }>(t.location, 'messages')).find(
        (m) => m.id === res.body.delivery.messageId,
      )!;
      expect(message.sensitive).toBe(1);
      expect(message.body).not.toContain(token);
      const list = await call(t, 'GET', `/v1/accounts/${owner.accountId}/invites`, { key: owner.accessToken });
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.data[0]).toMatchObject({ email: 'ana@example.com', status: 'pending' });
      expect(JSON.stringify(list.body)).not.toContain(token);
      expect(list.body.data[0].url).toBeUndefined();

      const first = await call(t, 'POST', '/v1/invites/accept', { body: { token, password: 'ana password 1' } });
      expect(first.status).toBe(201);
      const second = await call(t, 'POST', '/v1/invites/accept', { body: { token, password: 'ana password 1' } });
      expect(second.status).toBe(401);
      const me = await call(t, 'GET', '/v1/auth/me', { key: first.body.accessToken });
      expect(me.body.member).toMatchObject({ role: 'sender', email: 'ana@example.com' });
    });

    it('refuses a second pending invite for the same address, and an invite by a member without manage_members', async () => {
      const body = { email: 'bo@example.com', role: 'viewer' };
      const invites = `/v1/accounts/${owner.accountId}/invites`;
      expect((await call(t, 'POST', invites, { key: owner.accessToken, body })).status).toBe(201);
      const again = await call(t, 'POST', invites, { key: owner.accessToken, body });
      expect(again.status).toBe(409);
      const sender = await signIn(t, 'ana@example.com', 'ana password 1');
      const denied = await call(t, 'POST', invites, {
        key: sender.accessToken,
        body: { ...body, email: 'cy@x.example' },
      });
      expect(denied.status).toBe(403);
      expect(denied.body.error).toMatchObject({ code: 'forbidden', permission: 'manage_members' });
    });
  });

  describe('roles and permissions', () => {
    it('shows a role change in auth/me at once', async () => {
      const m = await addMember(t, owner, { email: 'dee@example.com', role: 'viewer' });
      expect((await call(t, 'GET', '/v1/auth/me', { key: m.accessToken })).body.member.role).toBe('viewer');
      const res = await call(t, 'PATCH', members(`/${m.memberId}`), {
        key: owner.accessToken,
        body: { role: 'manager' },
      });
      expect(res.status).toBe(200);
      const me = await call(t, 'GET', '/v1/auth/me', { key: m.accessToken });
      expect(me.body.member.role).toBe('manager');
      expect(me.body.permissions).toContain('manage_templates');
    });

    it('withdraws send_messages: a send is 403 forbidden naming it', async () => {
      const m = await addMember(t, owner, { email: 'eve@example.com', role: 'sender' });
      const headers = { 'messagejs-project': t.demo.projectId };
      expect((await call(t, 'POST', '/v1/messages', { key: m.accessToken, headers, body: order })).status).toBe(202);
      const res = await call(t, 'PATCH', members(`/${m.memberId}`), {
        key: owner.accessToken,
        body: { withdraw: ['send_messages'] },
      });
      expect(res.status).toBe(200);
      expect(res.body.withdrawn).toEqual(['send_messages']);
      expect(res.body.permissions).not.toContain('send_messages');
      const denied = await call(t, 'POST', '/v1/messages', { key: m.accessToken, headers, body: order });
      expect(denied.status).toBe(403);
      expect(denied.body.error).toMatchObject({ code: 'forbidden', permission: 'send_messages' });
    });

    it('limits a member to some projects: the others answer 404', async () => {
      const p2 = await createProject(t.relay.store, { name: 'Second', allowedCountries: ['MA'] }, t.clock.now);
      expect(p2.accountId).toBe(owner.accountId);
      const m = await addMember(t, owner, { email: 'fay@example.com', role: 'sender', projectIds: [t.demo.projectId] });
      const me = await call(t, 'GET', '/v1/auth/me', { key: m.accessToken });
      expect(me.body.projects.map((p: { id: string }) => p.id)).toEqual([t.demo.projectId]);
      expect(me.body.member.projectIds).toEqual([t.demo.projectId]);
      const send = await call(t, 'POST', '/v1/messages', {
        key: m.accessToken,
        headers: { 'messagejs-project': p2.id },
        body: order,
      });
      expect(send.status).toBe(404);
      expect(send.body.error.code).toBe('project_not_found');
      const token = await call(t, 'POST', '/v1/admin-tokens', {
        key: m.accessToken,
        body: { name: 'ci', permissions: ['send_messages'], projectIds: [p2.id] },
      });
      expect(token.status).toBe(404);
      // The owner sees both.
      const mine = await call(t, 'GET', '/v1/auth/me', { key: owner.accessToken });
      expect(mine.body.projects).toHaveLength(2);
    });

    it('refuses overrides on an owner and grants beyond the granter', async () => {
      const res = await call(t, 'PATCH', members(`/${owner.memberId}`), {
        key: owner.accessToken,
        body: { withdraw: ['view_audit'] },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('withdraw');
      const bad = await call(t, 'PATCH', members(`/${owner.memberId}`), {
        key: owner.accessToken,
        body: { role: 'owner', extra: 1 },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('extra');
    });
  });

  describe('suspension', () => {
    it('stops the access token, the admin token and the refresh token at once; activation brings back the admin token only', async () => {
      const m = await addMember(t, owner, { email: 'gus@example.com', role: 'admin' });
      const created = await call(t, 'POST', '/v1/admin-tokens', {
        key: m.accessToken,
        body: { name: 'ci', permissions: ['send_messages'] },
      });
      expect(created.status).toBe(201);
      const mat = created.body.token as string;
      expect((await call(t, 'GET', '/v1/auth/me', { key: mat })).status).toBe(200);

      const suspended = await call(t, 'POST', members(`/${m.memberId}/suspend`), { key: owner.accessToken });
      expect(suspended.status).toBe(200);
      expect(suspended.body.status).toBe('suspended');
      expect((await call(t, 'GET', '/v1/auth/me', { key: m.accessToken })).status).toBe(401);
      expect((await call(t, 'GET', '/v1/auth/me', { key: mat })).status).toBe(401);
      const refresh = await call(t, 'POST', '/v1/auth/refresh', { body: { refreshToken: m.refreshToken } });
      expect(refresh.status).toBe(401);
      const login = await call(t, 'POST', '/v1/auth/login', {
        body: { email: 'gus@example.com', password: 'member password 1' },
      });
      expect(login.status).toBe(401);
      expect(login.body.error.code).toBe('invalid_credentials');

      expect((await call(t, 'POST', members(`/${m.memberId}/activate`), { key: owner.accessToken })).status).toBe(200);
      expect((await call(t, 'GET', '/v1/auth/me', { key: mat })).status).toBe(200);
      expect((await call(t, 'GET', '/v1/auth/me', { key: m.accessToken })).status).toBe(401);
      expect((await call(t, 'POST', '/v1/auth/refresh', { body: { refreshToken: m.refreshToken } })).status).toBe(401);
    });
  });

  describe('owners', () => {
    it('keeps the last owner: demoting, suspending or removing it is 409 last_owner, and changes nothing', async () => {
      for (const [method, path, body] of [
        ['PATCH', `/${owner.memberId}`, { role: 'admin' }],
        ['POST', `/${owner.memberId}/suspend`, undefined],
        ['DELETE', `/${owner.memberId}`, undefined],
      ] as const) {
        const before = await snapshot(t.location);
        const res = await call(t, method, members(path), { key: owner.accessToken, ...(body && { body }) });
        expect(res.status).toBe(409);
        expect(res.body.error.code).toBe('last_owner');
        expect(await snapshot(t.location)).toEqual(before);
      }
    });

    it('lets an admin change nobody who is an owner, and an owner demote an owner once there is another', async () => {
      const admin = await addMember(t, owner, { email: 'hal@example.com', role: 'admin' });
      const denied = await call(t, 'PATCH', members(`/${owner.memberId}`), {
        key: admin.accessToken,
        body: { role: 'viewer' },
      });
      expect(denied.status).toBe(403);
      const promote = await call(t, 'PATCH', members(`/${admin.memberId}`), {
        key: admin.accessToken,
        body: { role: 'owner' },
      });
      expect(promote.status).toBe(403);
      const second = await call(t, 'PATCH', members(`/${admin.memberId}`), {
        key: owner.accessToken,
        body: { role: 'owner' },
      });
      expect(second.status).toBe(200);
      const demoted = await call(t, 'PATCH', members(`/${owner.memberId}`), {
        key: admin.accessToken,
        body: { role: 'admin' },
      });
      expect(demoted.status).toBe(200);
      expect(demoted.body.role).toBe('admin');
    });

    it('removes a member: its sessions end', async () => {
      const m = await addMember(t, owner, { email: 'ida@example.com', role: 'viewer' });
      const res = await call(t, 'DELETE', members(`/${m.memberId}`), { key: owner.accessToken });
      expect(res.status).toBe(204);
      expect((await call(t, 'GET', '/v1/auth/me', { key: m.accessToken })).status).toBe(401);
      expect((await call(t, 'GET', members(`/${m.memberId}`), { key: owner.accessToken })).status).toBe(404);
    });
  });

  describe('lists', () => {
    it('pages members newest first with a cursor, and refuses a bad limit or cursor naming it', async () => {
      const first = await call(t, 'GET', members('?limit=2'), { key: owner.accessToken });
      expect(first.status).toBe(200);
      expect(first.body.data).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const rest = await call(t, 'GET', members(`?limit=200&cursor=${first.body.nextCursor}`), {
        key: owner.accessToken,
      });
      expect(rest.body.nextCursor).toBeNull();
      const ids = [...first.body.data, ...rest.body.data].map((m: { id: string }) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength((await rows(t.location, 'members')).length);
      for (const [query, field] of [
        ['limit=201', 'limit'],
        ['limit=0', 'limit'],
        ['cursor=garbage!', 'cursor'],
      ]) {
        const res = await call(t, 'GET', members(`?${query}`), { key: owner.accessToken });
        expect(res.status).toBe(400);
        expect(res.body.error.field).toBe(field);
      }
    });
  });

  describe('another account', () => {
    it('answers 404 for every resource of another account, never 403', async () => {
      const other = await startAccountsRelay({ env: { MESSAGEJS_SIGNUP: 'open' } });
      try {
        const a = await setUpOwner(other);
        const reg = await call(other, 'POST', '/v1/auth/register', {
          body: { email: 'b@example.com', password: 'b password 12' },
        });
        const b = reg.body as Tokens;
        for (const path of [
          `/v1/accounts/${a.accountId}`,
          `/v1/accounts/${a.accountId}/members`,
          `/v1/accounts/${a.accountId}/members/${a.memberId}`,
          `/v1/accounts/${a.accountId}/invites`,
        ]) {
          const res = await call(other, 'GET', path, { key: b.accessToken });
          expect(res.status, path).toBe(404);
        }
        const send = await call(other, 'POST', '/v1/messages', {
          key: b.accessToken,
          headers: { 'messagejs-project': other.demo.projectId },
          body: order,
        });
        expect(send.status).toBe(404);
      } finally {
        await other.cleanup();
      }
    });
  });
});
