import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/start-relay.js';
import { setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

// Contacts and groups (issue 16): the admin API on a real relay over HTTP, on both backends.

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let owner: Tokens;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let base: string;
const as = () => ({ key: owner.accessToken });
const post = (path: string, body: unknown) => call(t, 'POST', `${base}${path}`, { ...as(), body });
const patch = (path: string, body: unknown) => call(t, 'PATCH', `${base}${path}`, { ...as(), body });
const get = (path: string) => call(t, 'GET', `${base}${path}`, as());

beforeAll(async () => {
  receiver = await startReceiver();
  t = await startAccountsRelay({
    env: { MESSAGEJS_ALLOW_PRIVATE_TARGETS: '127.0.0.1', MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on' },
  });
  owner = await setUpOwner(t);
  base = `/v1/projects/${t.demo.projectId}`;
});
afterAll(async () => {
  await t?.cleanup();
  await receiver?.close();
});

describe('contacts', () => {
  it('creates a contact with its number normalised, reads, finds and lists it; a second with that number is 409', async () => {
    const res = await post('/contacts', {
      name: 'Benali',
      firstName: 'Amina',
      phone: '0612345601',
      email: 'Amina@Example.COM',
      language: 'fr',
      timeZone: 'Africa/Casablanca',
      custom: { company: 'Atlas', vip: true },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Benali',
      firstName: 'Amina',
      phone: '+212612345601',
      email: 'Amina@example.com',
      status: 'active',
      custom: { company: 'Atlas', vip: true },
      groups: [],
    });
    expect(res.body.id).toMatch(/^ct_/);
    expect((await get(`/contacts/${res.body.id}`)).body).toEqual(res.body);

    const again = await post('/contacts', { phone: '+212612345601' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_exists', field: 'phone' });

    await post('/contacts', { name: 'Other', phone: '+212612345602' });
    const found = await get('/contacts?q=atl');
    expect(found.body.data).toEqual([]);
    const byName = await get('/contacts?q=BENA');
    expect(byName.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
    const byDigits = await get('/contacts?q=45601');
    expect(byDigits.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
    const all = await get('/contacts?limit=1');
    expect(all.body.data).toHaveLength(1);
    expect(all.body.nextCursor).toEqual(expect.any(String));
  });

  it('refuses bad input with the field at fault', async () => {
    for (const [body, field] of [
      [{ name: 'No address' }, 'phone'],
      [{ phone: '+212' }, 'phone'],
      [{ email: 'not-an-email' }, 'email'],
      [{ phone: '+212612345603', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ phone: '+212612345603', language: 'french language' }, 'language'],
      [{ phone: '+212612345603', status: 'gone' }, 'status'],
      [
        {
          phone: '+212612345603',
          custom: {
            big: 'x'.repeat(1000),
            b: 'x'.repeat(1000),
            c: 'x'.repeat(1000),
            d: 'x'.repeat(1000),
            e: 'x'.repeat(200),
          },
        },
        'custom',
      ],
      [{ phone: '+212612345603', custom: { nested: { a: 1 } } }, 'custom.nested'],
      [{ phone: '+212612345603', groups: ['grp_nope'] }, 'groups'],
      [{ phone: '+212612345603', extra: 1 }, 'extra'],
      [{ telegramChatId: 'not a chat' }, 'telegramChatId'],
    ] as const) {
      const res = await post('/contacts', body);
      expect([400, 404], JSON.stringify(body)).toContain(res.status);
      expect(res.body.error.field, JSON.stringify(body)).toBe(field);
    }
    expect((await get('/contacts/ct_missing')).status).toBe(404);
  });

  it('updates fields, clears one with null, and refuses a number another contact has', async () => {
    const a = (await post('/contacts', { phone: '+212612345611', email: 'a@example.com' })).body;
    await post('/contacts', { phone: '+212612345612' });
    const changed = await patch(`/contacts/${a.id}`, { name: 'Ayoub', email: null, custom: { tier: 2 } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Ayoub', email: null, phone: '+212612345611', custom: { tier: 2 } });
    const taken = await patch(`/contacts/${a.id}`, { phone: '+212612345612' });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'already_exists', field: 'phone' });
    const none = await patch(`/contacts/${a.id}`, { phone: null });
    expect(none.status).toBe(400);
    expect(none.body.error.field).toBe('phone');
  });

  it('ties unsubscribed to the opt-outs, both ways; sends to an unsubscribed contact are refused', async () => {
    const c = (await post('/contacts', { phone: '+212612345621' })).body;
    const off = await patch(`/contacts/${c.id}`, { status: 'unsubscribed' });
    expect(off.body.status).toBe('unsubscribed');
    const check = await get(`/opt-outs/${encodeURIComponent('+212612345621')}`);
    expect(check.body.optedOut).toBe(true);
    const send = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+212612345621', channel: 'sms', text: 'Hi' },
    });
    expect(send.status).toBe(403);
    expect(send.body.error.code).toBe('recipient_opted_out');
    const on = await patch(`/contacts/${c.id}`, { status: 'active' });
    expect(on.body.status).toBe('active');
    expect((await get(`/opt-outs/${encodeURIComponent('+212612345621')}`)).body.optedOut).toBe(false);

    // An opt-out from elsewhere (a STOP, the API) shows on the contact.
    await post('/opt-outs', { address: '+212612345621', reason: 'STOP' });
    expect((await get(`/contacts/${c.id}`)).body.status).toBe('unsubscribed');
    expect((await get('/contacts?status=unsubscribed')).body.data.map((x: { id: string }) => x.id)).toContain(c.id);
  });
});

describe('groups', () => {
  it('groups contacts: add and remove them, counts, filters the contact list; deleting keeps the contacts', async () => {
    const vip = await post('/groups', { name: 'VIP', description: 'best customers' });
    expect(vip.status).toBe(201);
    expect(vip.body).toMatchObject({ name: 'VIP', contacts: 0 });
    expect((await post('/groups', { name: 'VIP' })).status).toBe(409);

    const c1 = (await post('/contacts', { phone: '+212612345631', groups: [vip.body.id] })).body;
    const c2 = (await post('/contacts', { phone: '+212612345632' })).body;
    expect(c1.groups).toEqual([vip.body.id]);
    const added = await post(`/groups/${vip.body.id}/contacts`, { contactIds: [c1.id, c2.id, 'ct_not_here'] });
    expect(added.body).toEqual({ changed: 1, contacts: 2 });
    const members = await get(`/contacts?group=${vip.body.id}`);
    expect(members.body.data.map((c: { id: string }) => c.id).sort()).toEqual([c1.id, c2.id].sort());
    expect((await get('/groups')).body.data.find((g: { id: string }) => g.id === vip.body.id).contacts).toBe(2);

    const removed = await call(t, 'DELETE', `${base}/groups/${vip.body.id}/contacts`, {
      ...as(),
      body: { contactIds: [c2.id] },
    });
    expect(removed.body).toEqual({ changed: 1, contacts: 1 });
    const renamed = await patch(`/groups/${vip.body.id}`, { name: 'Gold' });
    expect(renamed.body).toMatchObject({ name: 'Gold', contacts: 1 });

    expect((await call(t, 'DELETE', `${base}/contacts/${c1.id}`, as())).status).toBe(204);
    expect((await get(`/groups/${vip.body.id}`)).body.contacts).toBe(0);
    expect((await call(t, 'DELETE', `${base}/groups/${vip.body.id}`, as())).status).toBe(204);
    expect((await get(`/groups/${vip.body.id}`)).status).toBe(404);
    expect((await get(`/contacts/${c2.id}`)).body.groups).toEqual([]);
    const empty = await post(`/groups/${vip.body.id}/contacts`, { contactIds: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe('contactIds');
  });
});

describe('events and audit', () => {
  it('raises contact.created, contact.updated and contact.deleted for the project’s endpoints, and audits each change', async () => {
    const endpoint = await post('/webhooks', {
      url: `${receiver.url}/contacts`,
      events: ['contact.created', 'contact.updated', 'contact.deleted'],
    });
    expect(endpoint.status).toBe(201);
    const c = (await post('/contacts', { phone: '+212612345641', name: 'Events' })).body;
    await patch(`/contacts/${c.id}`, { name: 'Events 2' });
    await call(t, 'DELETE', `${base}/contacts/${c.id}`, as());
    await receiver.until(() => receiver.events('/contacts').length === 3);
    const events = receiver.events('/contacts');
    expect(events.map((e) => e.type)).toEqual(['contact.created', 'contact.updated', 'contact.deleted']);
    expect(events[1]!.data).toMatchObject({ id: c.id, name: 'Events 2', phone: '+212612345641' });

    const audit = await call(t, 'GET', `/v1/audit-logs?projectId=${t.demo.projectId}&action=contact.update`, as());
    expect(audit.status).toBe(200);
    const entry = audit.body.data.find((e: { resourceId: string }) => e.resourceId === c.id);
    expect(entry.before.name).toBe('Events');
    expect(entry.after.name).toBe('Events 2');
    expect(JSON.stringify(entry)).not.toContain('612345641');
  });
});
