import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/start-relay.js';
import { count, rows, snapshot } from '../helpers/store-snapshot.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1', eta: 'soon' } };

type AuditRow = {
  action: string;
  project_id: string | null;
  account_id: string | null;
  actor_id: string | null;
  credential: string | null;
  resource_type: string | null;
  resource_id: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
  user_agent: string | null;
};

describe('the projects admin API', () => {
  let t: Awaited<ReturnType<typeof startAccountsRelay>>;
  let owner: Tokens;
  const as = (tokens: Tokens) => ({ key: tokens.accessToken, headers: { 'user-agent': 'admin-test/1' } });
  const audit = () => rows<AuditRow>(t.location, 'audit');
  beforeAll(async () => {
    t = await startAccountsRelay();
    owner = await setUpOwner(t);
  });
  afterAll(() => t.cleanup());

  describe('projects', () => {
    it('creates a project in the caller’s account, reads, renames and lists it, dates as ISO 8601', async () => {
      t.clock.advance(1000);
      const created = await call(t, 'POST', '/v1/projects', {
        ...as(owner),
        body: {
          name: 'Shop',
          allowedOrigins: ['HTTPS://Shop.Example/'],
          allowedCountries: ['ma', 'FR'],
          defaultCountry: 'ma',
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'Shop',
        accountId: owner.accountId,
        allowedOrigins: ['https://shop.example'],
        allowedCountries: ['MA', 'FR'],
        defaultCountry: 'MA',
        allowedNumberTypes: ['mobile', 'fixed_line_or_mobile'],
        development: false,
      });
      expect(created.body.createdAt).toMatch(ISO);
      const id = created.body.id as string;
      expect((await call(t, 'GET', `/v1/projects/${id}`, as(owner))).body).toEqual(created.body);

      const renamed = await call(t, 'PATCH', `/v1/projects/${id}`, {
        ...as(owner),
        body: { name: 'Shop 2', development: true },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ name: 'Shop 2', development: true });

      const list = await call(t, 'GET', '/v1/projects', as(owner));
      expect(list.status).toBe(200);
      expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([id, t.demo.projectId]);
      expect(list.body.nextCursor).toBeNull();

      const update = (await audit()).find((r) => r.action === 'project.update' && r.resource_id === id)!;
      expect(update).toMatchObject({
        project_id: id,
        account_id: owner.accountId,
        actor_id: owner.memberId,
        credential: expect.stringMatching(/^session:/),
        resource_type: 'project',
        ip: expect.any(String),
        user_agent: 'admin-test/1',
      });
      expect(JSON.parse(update.before!).name).toBe('Shop');
      expect(JSON.parse(update.after!).name).toBe('Shop 2');
    });

    it('normalises an origin with a trailing slash or capitals, and still refuses a path', async () => {
      const origins = `/v1/projects/${t.demo.projectId}/origins`;
      const added = await call(t, 'POST', origins, { ...as(owner), body: { origin: 'https://App.Example/' } });
      expect(added.status).toBe(200);
      expect(added.body.allowedOrigins).toContain('https://app.example');
      expect(added.body.allowedOrigins).not.toContain('https://App.Example/');
      const before = await snapshot(t.location);
      const path = await call(t, 'POST', origins, { ...as(owner), body: { origin: 'https://app.example/path' } });
      expect(path.status).toBe(400);
      expect(path.body.error).toMatchObject({ code: 'validation_failed', field: 'origin' });
      expect(await snapshot(t.location)).toEqual(before);
      const removed = await call(t, 'DELETE', `${origins}/${encodeURIComponent('https://app.example')}`, as(owner));
      expect(removed.status).toBe(200);
      expect(removed.body.allowedOrigins).not.toContain('https://app.example');
      expect((await call(t, 'GET', origins, as(owner))).body).toEqual(removed.body);
    });

    it('sets countries, number types, limits, prices and fallbacks, each audited with before and after', async () => {
      const base = `/v1/projects/${t.demo.projectId}`;
      const countries = await call(t, 'PUT', `${base}/countries`, {
        ...as(owner),
        body: { allowedCountries: ['ma', 'fr'], defaultCountry: 'FR' },
      });
      expect(countries.body).toEqual({ allowedCountries: ['MA', 'FR'], defaultCountry: 'FR' });
      expect((await call(t, 'GET', `${base}/countries`, as(owner))).body).toEqual(countries.body);
      const types = await call(t, 'PUT', `${base}/number-types`, {
        ...as(owner),
        body: { allowedNumberTypes: ['mobile', 'fixed_line'] },
      });
      expect(types.body).toEqual({ allowedNumberTypes: ['mobile', 'fixed_line'] });
      const limits = await call(t, 'PATCH', `${base}/limits`, { ...as(owner), body: { perIpPerMinute: 99 } });
      expect(limits.body).toMatchObject({ perIpPerMinute: 99, perKeyPerHour: 1000 });
      expect((await call(t, 'GET', `${base}/limits`, as(owner))).body).toEqual(limits.body);
      const table = { sms: { MA: { eur: 0.05, mad: 0.5 } } };
      const prices = await call(t, 'PUT', `${base}/prices`, { ...as(owner), body: { prices: table } });
      expect(prices.body).toEqual({ prices: table, source: 'project' });
      const defaults = await call(t, 'DELETE', `${base}/prices`, as(owner));
      expect(defaults.body.source).toBe('default');
      const fallbacks = await call(t, 'PUT', `${base}/fallbacks/whatsapp`, { ...as(owner), body: { to: ['sms'] } });
      expect(fallbacks.body).toEqual({ fallbacks: { whatsapp: ['sms'] } });
      const self = await call(t, 'PUT', `${base}/fallbacks/sms`, { ...as(owner), body: { to: ['sms'] } });
      expect(self.status).toBe(400);
      expect(self.body.error.field).toBe('to');
      const limitsRow = (await audit()).findLast((r) => r.action === 'project.limits')!;
      expect(JSON.parse(limitsRow.before!).limits.perIpPerMinute).toBe(20);
      expect(JSON.parse(limitsRow.after!).limits.perIpPerMinute).toBe(99);
      // Put back what the other tests send with.
      await call(t, 'PUT', `${base}/countries`, {
        ...as(owner),
        body: { allowedCountries: ['MA', 'FR'], defaultCountry: 'MA' },
      });
    });

    it('keeps the CAPTCHA secret write-only in verify settings and in the audit log', async () => {
      const secret = 'captcha-secret-never-shown-0123';
      const url = `/v1/projects/${t.demo.projectId}/verify-settings`;
      const set = await call(t, 'PATCH', url, {
        ...as(owner),
        body: { captcha: 'turnstile', captchaSecret: secret, codeLength: 8 },
      });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ codeLength: 8, captcha: { provider: 'turnstile', secret: 'sealed' } });
      const shown = await call(t, 'GET', url, as(owner));
      expect(JSON.stringify(shown.body)).not.toContain(secret);
      expect(JSON.stringify(await audit())).not.toContain(secret);
      await call(t, 'PATCH', url, { ...as(owner), body: { captcha: 'none', codeLength: 6 } });
    });
  });

  describe('project delete', () => {
    it('needs ?confirm=<projectId>: without it 400 confirmation_required and nothing is deleted', async () => {
      const p = await call(t, 'POST', '/v1/projects', { ...as(owner), body: { name: 'Doomed' } });
      const before = await snapshot(t.location);
      for (const query of ['', '?confirm=', `?confirm=${t.demo.projectId}`]) {
        const res = await call(t, 'DELETE', `/v1/projects/${p.body.id}${query}`, as(owner));
        expect(res.status, query).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'confirmation_required', field: 'confirm' });
      }
      expect(await snapshot(t.location)).toEqual(before);
    });

    it('deletes the project with everything it holds: its keys answer 401, members limited to it keep their other projects', async () => {
      const p = await call(t, 'POST', '/v1/projects', {
        ...as(owner),
        body: { name: 'Short-lived', allowedCountries: ['MA'] },
      });
      const id = p.body.id as string;
      const key = await call(t, 'POST', `/v1/projects/${id}/keys`, { ...as(owner), body: { kind: 'secret' } });
      await call(t, 'POST', `/v1/projects/${id}/connectors`, {
        ...as(owner),
        body: { type: 'console', channels: ['sms'] },
      });
      const text = { to: '+212612345678', text: 'hello', channel: 'sms' };
      expect((await call(t, 'POST', '/v1/messages', { key: key.body.key, body: text })).status).toBe(202);
      const member = await addMember(t, owner, {
        email: 'limited@example.com',
        role: 'sender',
        projectIds: [id, t.demo.projectId],
      });

      const res = await call(t, 'DELETE', `/v1/projects/${id}?confirm=${id}`, as(owner));
      expect(res.status).toBe(204);
      expect((await call(t, 'GET', `/v1/projects/${id}`, as(owner))).status).toBe(404);
      expect((await call(t, 'POST', '/v1/messages', { key: key.body.key, body: text })).status).toBe(401);
      for (const table of ['api_keys', 'connectors', 'messages']) {
        expect(
          (await rows<{ project_id: string }>(t.location, table)).filter((r) => r.project_id === id),
          table,
        ).toEqual([]);
      }
      const me = await call(t, 'GET', '/v1/auth/me', { key: member.accessToken });
      expect(me.body.projects.map((x: { id: string }) => x.id)).toEqual([t.demo.projectId]);
      const deleted = (await audit()).find((r) => r.action === 'project.delete')!;
      expect(deleted).toMatchObject({ project_id: id, resource_id: id, account_id: owner.accountId });
      expect(JSON.parse(deleted.before!).name).toBe('Short-lived');
    });
  });

  describe('roles and accounts', () => {
    it('lets a viewer read a project but not change it (403 naming manage_settings), nor create one', async () => {
      const viewer = await addMember(t, owner, { email: 'viewer@example.com', role: 'viewer' });
      expect((await call(t, 'GET', `/v1/projects/${t.demo.projectId}`, as(viewer))).status).toBe(200);
      const before = await snapshot(t.location);
      for (const [method, path, body] of [
        ['PATCH', `/v1/projects/${t.demo.projectId}`, { name: 'Mine' }],
        ['POST', '/v1/projects', { name: 'Mine' }],
        ['PATCH', `/v1/projects/${t.demo.projectId}/limits`, { perIpPerMinute: 1 }],
        ['DELETE', `/v1/projects/${t.demo.projectId}?confirm=${t.demo.projectId}`, undefined],
      ] as const) {
        const res = await call(t, method, path, { ...as(viewer), ...(body && { body }) });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.error).toMatchObject({ code: 'forbidden', permission: 'manage_settings' });
      }
      expect(await snapshot(t.location)).toEqual(before);
    });

    it('does not let a member limited to some projects create one', async () => {
      const admin = await addMember(t, owner, {
        email: 'scoped-admin@example.com',
        role: 'admin',
        projectIds: [t.demo.projectId],
      });
      const res = await call(t, 'POST', '/v1/projects', { ...as(admin), body: { name: 'Side' } });
      expect(res.status).toBe(403);
      const list = await call(t, 'GET', '/v1/projects', as(admin));
      expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([t.demo.projectId]);
    });

    it('answers another account’s project 404, never 403, and lists none of it', async () => {
      const other = await startAccountsRelay({ env: { MESSAGEJS_SIGNUP: 'open' } });
      try {
        const a = await setUpOwner(other);
        const reg = await call(other, 'POST', '/v1/auth/register', {
          body: { email: 'b@example.com', password: 'b password 12' },
        });
        const b = reg.body as Tokens;
        const project = other.demo.projectId;
        const before = await count(other.location, 'audit');
        for (const [method, path, body] of [
          ['GET', `/v1/projects/${project}`, undefined],
          ['PATCH', `/v1/projects/${project}`, { name: 'x' }],
          ['DELETE', `/v1/projects/${project}?confirm=${project}`, undefined],
          ['GET', `/v1/projects/${project}/keys`, undefined],
          ['POST', `/v1/projects/${project}/keys`, { kind: 'secret' }],
          ['GET', `/v1/projects/${project}/connectors`, undefined],
          ['GET', `/v1/projects/${project}/opt-outs`, undefined],
          ['PUT', `/v1/projects/${project}/countries`, { allowedCountries: ['MA'] }],
        ] as const) {
          const res = await call(other, method, path, { key: b.accessToken, ...(body && { body }) });
          expect(res.status, `${method} ${path}`).toBe(404);
          expect(res.body.error.code).toBe('project_not_found');
        }
        expect(await count(other.location, 'audit')).toBe(before);
        const list = await call(other, 'GET', '/v1/projects', { key: b.accessToken });
        expect(list.body.data).toEqual([]);
        expect((await call(other, 'GET', '/v1/projects', { key: a.accessToken })).body.data).toHaveLength(1);
      } finally {
        await other.cleanup();
      }
    });

    it('refuses project keys on every admin route', async () => {
      for (const path of ['/v1/projects', `/v1/projects/${t.demo.projectId}/keys`, '/v1/connector-types']) {
        const res = await call(t, 'GET', path, { key: t.demo.secretKey });
        expect(res.status, path).toBe(401);
      }
    });
  });

  describe('pagination', () => {
    it('pages 205 opt-outs: 200 and a cursor, then 5 and nextCursor null; refuses a bad limit or cursor naming it', async () => {
      const at = t.clock.now;
      for (let i = 0; i < 205; i++)
        await t.relay.store.optOuts.add(t.demo.projectId, `+2126000${String(i).padStart(5, '0')}`, at + (i % 7));
      const url = `/v1/projects/${t.demo.projectId}/opt-outs`;
      const first = await call(t, 'GET', `${url}?limit=200`, as(owner));
      expect(first.status).toBe(200);
      expect(first.body.data).toHaveLength(200);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const rest = await call(t, 'GET', `${url}?limit=200&cursor=${first.body.nextCursor}`, as(owner));
      expect(rest.body.data).toHaveLength(5);
      expect(rest.body.nextCursor).toBeNull();
      const all = [...first.body.data, ...rest.body.data].map((o: { address: string }) => o.address);
      expect(new Set(all).size).toBe(205);
      const created = [...first.body.data, ...rest.body.data].map((o: { createdAt: string }) =>
        Date.parse(o.createdAt),
      );
      expect(created).toEqual([...created].sort((x, y) => y - x));
      for (const [query, field] of [
        ['limit=201', 'limit'],
        ['limit=0', 'limit'],
        ['cursor=garbage!', 'cursor'],
      ]) {
        for (const list of [
          url,
          '/v1/projects',
          `/v1/projects/${t.demo.projectId}/keys`,
          `/v1/projects/${t.demo.projectId}/connectors`,
        ]) {
          const res = await call(t, 'GET', `${list}?${query}`, as(owner));
          expect(res.status, `${list}?${query}`).toBe(400);
          expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
        }
      }
    });

    it('pages keys newest first with a cursor', async () => {
      const url = `/v1/projects/${t.demo.projectId}/keys`;
      for (let i = 0; i < 3; i++) {
        t.clock.advance(1000);
        await call(t, 'POST', url, { ...as(owner), body: { kind: 'public', name: `page ${i}` } });
      }
      const first = await call(t, 'GET', `${url}?limit=2`, as(owner));
      expect(first.body.data.map((k: { name: string }) => k.name)).toEqual(['page 2', 'page 1']);
      const next = await call(t, 'GET', `${url}?limit=2&cursor=${first.body.nextCursor}`, as(owner));
      expect(next.body.data[0].name).toBe('page 0');
      const ids = [...first.body.data, ...next.body.data].map((k: { id: string }) => k.id);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });

  it('sends with the demo keys after all this', async () => {
    expect((await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: order })).status).toBe(202);
  });
});
