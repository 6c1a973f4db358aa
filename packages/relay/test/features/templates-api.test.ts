import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/start-relay.js';
import { rows, snapshot } from '../helpers/store-snapshot.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';

const TO = '+212612345678';

const ping = (body: string, extra: Record<string, unknown> = {}) => ({
  channel: 'sms',
  recipient: { mode: 'caller' },
  body,
  params: { n: { type: 'text', maxLength: 200 } },
  ...extra,
});

describe('templates admin API', () => {
  let t: Awaited<ReturnType<typeof startAccountsRelay>>;
  let owner: Tokens;
  const templates = (path = '') => `/v1/projects/${t.demo.projectId}/templates${path}`;
  const as = (method: string, path: string, body?: unknown, key = owner.accessToken) =>
    call(t, method, templates(path), { key, ...(body !== undefined && { body }) });
  const send = (template: string, params: Record<string, string>) =>
    call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { template, to: TO, params } });

  beforeAll(async () => {
    t = await startAccountsRelay();
    owner = await setUpOwner(t);
  });
  afterAll(() => t.cleanup());

  it('keeps a version per change; a send records the version it used; a restore is a new version', async () => {
    const created = await as('PUT', '/ping', ping('Ping {{n}}'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ping', version: 1, active: true, category: 'other', usageCount: 0 });
    // The same definition again changes nothing.
    expect((await as('PUT', '/ping', ping('Ping {{n}}'))).body.version).toBe(1);
    expect((await as('PUT', '/ping', ping('Ping two {{n}}'))).status).toBe(200);
    expect((await as('PUT', '/ping', ping('Ping three {{n}}'))).body.version).toBe(3);

    const sent = await send('ping', { n: 'x' });
    expect(sent.status).toBe(202);
    const message = await call(t, 'GET', `/v1/messages/${sent.body.id}`, { key: t.demo.secretKey });
    expect(message.body).toMatchObject({ template: 'ping', templateVersion: 3 });

    const versions = await as('GET', '/ping/versions');
    expect(versions.status).toBe(200);
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(versions.body.data[0].current).toBe(true);
    expect((await as('GET', '/ping/versions/1')).body.body).toBe('Ping {{n}}');

    const restored = await as('POST', '/ping/versions/1/restore');
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ version: 4, body: 'Ping {{n}}' });
    const again = await send('ping', { n: 'y' });
    expect(again.status).toBe(202);
    // Found by id: PostgreSQL reads rows in key order, and ids made at one (test) instant sort at random.
    const stored = await rows<{ id: string; template_version: number }>(t.location, 'messages');
    const versionOf = (id: string) => stored.find((m) => m.id === id)!.template_version;
    expect([versionOf(sent.body.id), versionOf(again.body.id)]).toEqual([3, 4]);
  });

  it('pages versions with a cursor, and answers 404 for a version it does not have', async () => {
    const first = await as('GET', '/ping/versions?limit=3');
    expect(first.body.data).toHaveLength(3);
    const second = await as('GET', `/ping/versions?limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(second.body.nextCursor).toBeNull();
    for (const version of ['99', 'abc', '0']) {
      const res = await as('GET', `/ping/versions/${version}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('template_version_not_found');
    }
  });

  it('counts uses in a side row, without rewriting the template row', async () => {
    const row = async () =>
      (await rows<{ name: string }>(t.location, 'templates')).find((r) => r.name === 'order_update');
    const before = await row();
    const usage = (await as('GET', '/order_update')).body.usageCount as number;
    expect((await send('order_update', { order: 'A-1', eta: 'soon' })).status).toBe(202);
    const after = await as('GET', '/order_update');
    expect(after.body.usageCount).toBe(usage + 1);
    expect(after.body.lastUsedAt).toEqual(expect.any(String));
    expect(await row()).toEqual(before);
  });

  it('switches a template off: sends answer 422 template_inactive; a category change is a new version', async () => {
    const off = await as('PATCH', '/ping', { active: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ active: false, version: 4 });
    const refused = await send('ping', { n: 'z' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'template_inactive', field: 'template' });
    const filed = await as('PATCH', '/ping', { active: true, category: 'alerts' });
    expect(filed.body).toMatchObject({ active: true, category: 'alerts', version: 5 });
    expect((await send('ping', { n: 'z' })).status).toBe(202);
    const list = await as('GET', '?category=alerts');
    expect(list.body.data.map((x: { name: string }) => x.name)).toEqual(['ping']);
    expect(list.body.data[0]).toMatchObject({ version: 5, active: true, category: 'alerts', usageCount: 3 });
  });

  it('previews a template: text, segments, encoding and cost from the price table, sending nothing', async () => {
    const before = await snapshot(t.location);
    const long = 'x'.repeat(156);
    const res = await as('POST', '/ping/preview', { params: { n: long }, to: TO });
    expect(res.status).toBe(200);
    // "Ping " + 156 characters = 161 GSM-7 characters: two segments, at the demo price for Morocco.
    expect(res.body).toMatchObject({ text: `Ping ${long}`, segments: 2, encoding: 'GSM-7', version: 5 });
    expect(res.body.estimatedCost).toEqual({ eur: 0.06, mad: 0.64 });
    const old = await as('POST', '/ping/preview', { params: { n: 'é' }, version: 2 });
    expect(old.body).toMatchObject({ text: 'Ping two é', version: 2, segments: 1 });
    const bad = await as('POST', '/ping/preview', { params: { nope: '1' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', field: 'params.nope' });
    expect(await snapshot(t.location)).toEqual(before);
  });

  it('lists by name with a cursor, creates with POST (409 when the name exists), and deletes', async () => {
    for (const name of ['a1', 'a2', 'a3'])
      expect((await as('POST', '', { name, ...ping('Hi {{n}}') })).status).toBe(201);
    const again = await as('POST', '', { name: 'a1', ...ping('Hi {{n}}') });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_exists');
    const page1 = await as('GET', '?limit=2');
    expect(page1.body.data.map((x: { name: string }) => x.name)).toEqual(['a1', 'a2']);
    const page2 = await as('GET', `?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.data.map((x: { name: string }) => x.name)).toEqual(['a3', 'contact']);
    expect((await as('DELETE', '/a2')).status).toBe(204);
    expect((await as('GET', '/a2')).status).toBe(404);
    expect((await rows(t.location, 'template_versions')).length).toBeGreaterThan(0);
    expect((await as('GET', '/a2/versions')).status).toBe(404);
  });

  it('refuses bad input with the field at fault and writes nothing', async () => {
    const before = await snapshot(t.location);
    const cases: Array<[string, string, unknown, number, string | undefined]> = [
      ['PUT', '/ping', { ...ping('Ping {{n}}'), extra: 1 }, 400, 'extra'],
      ['PUT', '/ping', ping('Hi {{who}}'), 400, 'params.who'],
      ['PUT', '/Bad%20Name', ping('Hi {{n}}'), 400, 'name'],
      ['PUT', '/ping', ping('Hi {{n}}', { category: 'spam' }), 400, 'category'],
      ['PATCH', '/ping', { active: 'yes' }, 400, 'active'],
      ['PATCH', '/nope', { active: false }, 404, 'name'],
      ['POST', '/ping/preview', { params: {}, extra: true }, 400, 'extra'],
      ['POST', '/ping/versions/42/restore', undefined, 404, 'version'],
    ];
    for (const [method, path, body, status, field] of cases) {
      const res = await as(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.body.error.field, `${method} ${path}`).toBe(field);
    }
    const text = await call(t, 'PUT', templates('/ping'), {
      key: owner.accessToken,
      rawBody: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(await snapshot(t.location)).toEqual(before);
  });

  it('lets any member read, and only manage_templates write; other projects are 404', async () => {
    const viewer = await addMember(t, owner, { email: 'viewer@example.com', role: 'viewer' });
    expect((await as('GET', '', undefined, viewer.accessToken)).status).toBe(200);
    expect((await as('POST', '/ping/preview', { params: { n: '1' } }, viewer.accessToken)).status).toBe(200);
    const denied = await as('PATCH', '/ping', { active: false }, viewer.accessToken);
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'forbidden', permission: 'manage_templates' });
    const other = await call(t, 'GET', '/v1/projects/prj_nope/templates', { key: owner.accessToken });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('project_not_found');
    const key = await call(t, 'GET', templates(), { key: t.demo.secretKey });
    expect(key.status).toBe(401);
  });

  it('audits every change with its version, before and after, the fixed recipient masked', async () => {
    await as('PUT', '/desk', {
      channel: 'sms',
      recipient: { mode: 'fixed', to: TO },
      body: 'Call back {{n}}',
      params: { n: { type: 'text', maxLength: 20 } },
    });
    const entries = (
      await rows<{ action: string; resource_id: string; after: string; detail: string }>(t.location, 'audit')
    ).filter((r) => r.action.startsWith('template.'));
    expect(new Set(entries.map((e) => e.action))).toEqual(
      new Set(['template.save', 'template.restore', 'template.flags', 'template.delete']),
    );
    const desk = entries.at(-1)!;
    expect(JSON.parse(desk.detail)).toMatchObject({ name: 'desk', version: 1, created: true });
    expect(desk.after).not.toContain(TO);
    const shown = await as('GET', '/desk');
    expect(shown.body.recipient.to).not.toBe(TO);
    expect(JSON.stringify((await as('GET', '/desk/versions')).body)).not.toContain(TO);
  });
});
