import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConnector } from '@messagejs/relay';
import { call } from '../helpers/start-relay.js';
import { rows } from '../helpers/store-snapshot.js';
import { addMember, OWNER, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';

describe('audit log API', () => {
  let t: Awaited<ReturnType<typeof startAccountsRelay>>;
  let owner: Tokens;
  /** Secret values handed out or posted during the test: none may appear in the log. */
  const secrets: string[] = [];
  const audit = (query = '', key = owner.accessToken) => call(t, 'GET', `/v1/audit-logs${query}`, { key });

  beforeAll(async () => {
    t = await startAccountsRelay({ env: { MESSAGEJS_SIGNUP: 'open' } });
    owner = await setUpOwner(t);
    secrets.push(OWNER.password, owner.accessToken, owner.refreshToken);
    const token = await call(t, 'POST', '/v1/admin-tokens', {
      key: owner.accessToken,
      body: { name: 'ci', permissions: ['view_audit', 'manage_templates'] },
      headers: { 'user-agent': 'audit-test/1.0', 'x-forwarded-for': '203.0.113.9' },
    });
    expect(token.status).toBe(201);
    secrets.push(token.body.token);
    const invite = await call(t, 'POST', `/v1/accounts/${owner.accountId}/invites`, {
      key: owner.accessToken,
      body: { email: 'sam@example.com', role: 'sender' },
    });
    secrets.push(new URL(invite.body.url).searchParams.get('token')!);
    const saved = await call(t, 'PUT', `/v1/projects/${t.demo.projectId}/templates/note`, {
      key: token.body.token,
      body: {
        channel: 'sms',
        recipient: { mode: 'fixed', to: '+212612345678' },
        body: 'Note {{n}}',
        params: { n: { type: 'text', maxLength: 10 } },
      },
    });
    expect(saved.status).toBe(201);
    secrets.push('+212612345678');
    // A provider credential, from the command line's service: only sealed, never in the log.
    const authToken = 'twilio-auth-token-0123456789abcdef';
    await addConnector(
      t.relay.store,
      t.relay.sealer,
      {
        projectId: t.demo.projectId,
        type: 'twilio',
        channels: ['sms'],
        config: { from: '+15005550006' },
        credentials: { accountSid: `AC${'a'.repeat(32)}`, authToken },
        priority: 1,
      },
      t.clock.now,
    );
    secrets.push(authToken);
    const password = await call(t, 'POST', '/v1/auth/password', {
      key: owner.accessToken,
      body: { currentPassword: OWNER.password, newPassword: 'a brand new password 1' },
    });
    expect(password.status).toBe(204);
    secrets.push('a brand new password 1');
  });
  afterAll(() => t.cleanup());

  it('lists the account’s entries newest first, with who, which credential, from where, and before/after', async () => {
    const res = await audit();
    expect(res.status).toBe(200);
    const ats = res.body.data.map((e: { at: string; id: string }) => [e.at, Number(e.id)]);
    expect(ats).toEqual([...ats].sort((a, b) => (a[0] === b[0] ? b[1] - a[1] : a[0] < b[0] ? 1 : -1)));
    const created = res.body.data.find((e: { action: string }) => e.action === 'admin_token.create');
    expect(created).toMatchObject({
      actorType: 'member',
      actorId: owner.memberId,
      credential: expect.stringMatching(/^session:/),
      resourceType: 'admin_token',
      ip: '203.0.113.9',
      userAgent: 'audit-test/1.0',
      requestId: expect.any(String),
    });
    const saved = res.body.data.find((e: any) => e.action === 'template.save' && e.actorType !== 'system');
    expect(saved).toMatchObject({ actorType: 'admin_token', credential: expect.stringMatching(/^admin_token:/) });
    expect(saved.after).toMatchObject({ body: 'Note {{n}}', channel: 'sms' });
  });

  it('shows no secret value anywhere: not in the answers, not in the table', async () => {
    const answers = JSON.stringify((await audit('?limit=200')).body);
    const table = JSON.stringify(await rows(t.location, 'audit'));
    for (const secret of secrets) {
      expect(answers).not.toContain(secret);
      expect(table).not.toContain(secret);
    }
  });

  it('filters by action, actor, resource, project and date', async () => {
    const all = (await audit('?limit=200')).body.data as Array<Record<string, any>>;
    const byAction = (await audit('?action=template.save')).body.data;
    expect(byAction.length).toBeGreaterThan(0);
    expect(byAction.every((e: { action: string }) => e.action === 'template.save')).toBe(true);
    const byActor = (await audit(`?actorId=${owner.memberId}`)).body.data;
    expect(byActor.map((e: { id: string }) => e.id)).toEqual(
      all.filter((e) => e.actorId === owner.memberId).map((e) => e.id),
    );
    const note = all.find((e) => e.resourceType === 'template' && e.detail?.name === 'note')!;
    const byResource = (await audit(`?resourceType=template&resourceId=${note.resourceId}`)).body.data;
    expect(byResource.map((e: { id: string }) => e.id)).toEqual([note.id]);
    const byProject = (await audit(`?projectId=${t.demo.projectId}`)).body.data;
    expect(byProject.every((e: { projectId: string }) => e.projectId === t.demo.projectId)).toBe(true);
    const at = Date.parse(note.at);
    const from = new Date(at).toISOString();
    const to = new Date(at + 1).toISOString();
    const window = (await audit(`?from=${from}&to=${to}`)).body.data;
    expect(window.map((e: { id: string }) => e.id)).toContain(note.id);
    expect(window.every((e: { at: string }) => e.at === note.at)).toBe(true);
    const one = await audit(`/${note.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(note);
  });

  it('pages with a cursor', async () => {
    const all = (await audit('?limit=200')).body.data.map((e: { id: string }) => e.id);
    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await audit(`?limit=2${cursor && `&cursor=${cursor}`}`);
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor ?? '';
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it('lists every action name, a superset of what the log holds', async () => {
    const res = await audit('/actions');
    expect(res.status).toBe(200);
    const names = new Set(res.body.data.map((a: { action: string }) => a.action));
    for (const { action } of await rows<{ action: string }>(t.location, 'audit')) expect(names).toContain(action);
    for (const entry of res.body.data) expect(entry.description).toMatch(/\.$/);
  });

  it('refuses bad filters with the field at fault', async () => {
    const cases: Array<[string, string]> = [
      ['?bogus=1', 'bogus'],
      ['?from=yesterday', 'from'],
      ['?limit=201', 'limit'],
      ['?limit=0', 'limit'],
      ['?cursor=garbage!', 'cursor'],
    ];
    for (const [query, field] of cases) {
      const res = await audit(query);
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
    }
    expect((await audit('/99999999')).status).toBe(404);
    expect((await audit('/abc')).body.error.code).toBe('audit_log_not_found');
    expect((await audit('?projectId=prj_nope')).body.error.code).toBe('project_not_found');
  });

  it('needs view_audit; another account sees none of these entries; a limited member sees its projects only', async () => {
    const manager = await addMember(t, owner, { email: 'mia@example.com', role: 'manager' });
    const denied = await audit('', manager.accessToken);
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'forbidden', permission: 'view_audit' });
    const mine = (await audit()).body.data[0];
    const other = await call(t, 'POST', '/v1/auth/register', {
      body: { email: 'bob@example.com', password: 'bob password 12' },
    });
    expect(other.status).toBe(201);
    const theirs = await audit('?limit=200', other.body.accessToken);
    expect(theirs.body.data.map((e: { id: string }) => e.id)).not.toContain(mine.id);
    expect((await audit(`/${mine.id}`, other.body.accessToken)).status).toBe(404);
    const limited = await addMember(t, owner, {
      email: 'lim@example.com',
      role: 'admin',
      projectIds: [t.demo.projectId],
    });
    const seen = (await audit('?limit=200', limited.accessToken)).body.data;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e: { projectId: string }) => e.projectId === t.demo.projectId)).toBe(true);
  });
});
