import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '@messagejs/relay';
import type { Message } from '../../src/store/types.js';
import { call, DEMO_ORIGIN, waitForMessage } from '../helpers/start-relay.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';
import { messageRecord } from '../helpers/store-records.js';

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let owner: Tokens;
const DAY = 24 * 3600 * 1000;
/** When the seeded messages were made: a fixed past day, one message a minute. */
const T0 = Date.parse('2026-06-01T08:00:00Z');
/** Before the one a test adds at minute 7. */
const BEFORE = 'createdBefore=2026-06-01T08:06:30Z';

const seeded: Message[] = [];
/** Stores `m` as a relay would, due a year from now: the worker leaves it as it is. */
async function seed(id: string, minute: number, fields: Partial<Message>): Promise<Message> {
  const m = messageRecord(`msg_${id.padEnd(29, '0')}`, t.demo.projectId, 'key_seed', {
    createdAt: T0 + minute * 60_000,
    updatedAt: T0 + minute * 60_000,
    ...fields,
  });
  await t.relay.store.messages.enqueue({ message: m, dueAt: t.clock.now + 365 * DAY });
  seeded.push(m);
  return m;
}

const history = (query = '', key = t.demo.secretKey, headers: Record<string, string> = {}) =>
  call(t, 'GET', `/v1/messages${query}`, { key, headers });
const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((m) => m.id);

beforeAll(async () => {
  t = await startAccountsRelay();
  t.clock.now = T0 + 30 * DAY;
  owner = await setUpOwner(t);
  await seed('a', 1, { status: 'delivered', to: '+212612345678', country: 'MA', body: 'Order A-1 shipped' });
  await seed('b', 2, { status: 'failed', to: '+33612345678', country: 'FR', body: 'Votre CODE promo' });
  await seed('c', 3, { status: 'undelivered', channel: 'whatsapp', to: '+212698765432', template: 'order_update' });
  await seed('d', 4, { status: 'sent', to: '+212612340000', operator: 'Maroc Telecom', body: 'order B-2 SHIPPED' });
  await seed('e', 5, { status: 'delivered', to: '+212600000001', sensitive: true, body: 'sealed code 123456' });
  // Two in the same millisecond: the id breaks the tie, on both backends alike.
  await seed('f1', 6, { status: 'queued', to: '+212600000002', body: 'tie one' });
  await seed('f2', 6, { status: 'queued', to: '+212600000003', body: 'tie two' });
});
afterAll(() => t.cleanup());

describe('GET /v1/messages', () => {
  it('lists the project’s messages newest first, the id breaking ties, with their details', async () => {
    const res = await history(`?${BEFORE}`);
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual(['f2', 'f1', 'e', 'd', 'c', 'b', 'a'].map((id) => `msg_${id.padEnd(29, '0')}`));
    expect(res.body.nextCursor).toBeNull();
    const c = res.body.data[4];
    expect(c).toMatchObject({
      projectId: t.demo.projectId,
      direction: 'outbound',
      status: 'undelivered',
      channel: 'whatsapp',
      to: '+212698765432',
      template: 'order_update',
      createdAt: new Date(T0 + 3 * 60_000).toISOString(),
    });
    // A message holding a secret never shows its text.
    expect(res.body.data[2]).toMatchObject({ status: 'delivered', body: null, subject: null });
  });

  it('walks every page once with cursors, while new messages arrive on top', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await history(
        `?limit=2&createdBefore=2026-06-02T00:00:00Z${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...ids(res));
      cursor = res.body.nextCursor;
      // A newer message between two pages changes nothing of the pages after.
      if (pages++ === 0) await seed('new', 7, { body: 'arrived meanwhile' });
    } while (cursor);
    expect(seen).toEqual(['f2', 'f1', 'e', 'd', 'c', 'b', 'a'].map((id) => `msg_${id.padEnd(29, '0')}`));
    expect(pages).toBe(4);
  });

  it('filters by status, channel, template, country, operator, recipient, dates, direction and text', async () => {
    const only = async (query: string) => {
      const res = await history(`?${query.includes('createdBefore') ? '' : `${BEFORE}&`}${query}`);
      expect(res.status).toBe(200);
      return ids(res);
    };
    const id = (s: string) => `msg_${s.padEnd(29, '0')}`;
    expect(await only('status=failed,undelivered')).toEqual([id('c'), id('b')]);
    expect(await only('channel=whatsapp')).toEqual([id('c')]);
    expect(await only('template=order_update')).toEqual([id('c')]);
    expect(await only('country=FR')).toEqual([id('b')]);
    expect(await only('operator=Maroc%20Telecom')).toEqual([id('d')]);
    expect(await only(`to=${encodeURIComponent('+212612345678')}`)).toEqual([id('a')]);
    expect(await only('to=0000')).toEqual([id('d')]);
    expect(await only('to=5678')).toEqual([id('b'), id('a')]);
    expect(await only('createdAfter=2026-06-01T08:03:00Z&createdBefore=2026-06-01T08:05:00Z')).toEqual([
      id('d'),
      id('c'),
    ]);
    expect(await only('direction=inbound')).toEqual([]);
    expect((await only('direction=outbound')).length).toBe(7);
    // ASCII letters in any case; a message holding a secret is never searched.
    expect(await only('q=shipped')).toEqual([id('d'), id('a')]);
    expect(await only('q=code')).toEqual([id('b')]);
    expect(await only('q=123456')).toEqual([]);
  });

  it('filters by the connector that sent a message the worker delivered', async () => {
    const sent = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+212611111111', text: 'through the console', channel: 'sms' },
    });
    expect(sent.status).toBe(202);
    await waitForMessage(t, sent.body.id, (m) => m.status === 'delivered');
    const all = await history('?to=1111');
    const connector = all.body.data[0].connector as string;
    expect(connector).toMatch(/^con_/);
    expect(ids(await history(`?connector=${connector}`))).toEqual([sent.body.id]);
  });

  it('refuses a public key: the history needs a server or a member', async () => {
    const res = await call(t, 'GET', '/v1/messages', { key: t.demo.publicKey, origin: DEMO_ORIGIN });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('answers members: owners read full numbers, viewers masked ones, other projects 404', async () => {
    const headers = { 'messagejs-project': t.demo.projectId };
    const mine = await history(`?to=5678&${BEFORE}`, owner.accessToken, headers);
    expect(mine.status).toBe(200);
    expect(mine.body.data.map((m: { to: string }) => m.to)).toEqual(['+33612345678', '+212612345678']);
    const viewer = await addMember(t, owner, { email: 'viewer@example.com', role: 'viewer' });
    const masked = await history(`?projectId=${t.demo.projectId}&to=5678&${BEFORE}`, viewer.accessToken);
    expect(masked.status).toBe(200);
    expect(masked.body.data.map((m: { to: string }) => m.to)).toEqual(['+*******5678', '+********5678']);
    const elsewhere = await history('?projectId=prj_not_mine', owner.accessToken);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error).toMatchObject({ code: 'project_not_found' });
  });

  it('refuses a tampered cursor, and one handed out for another project, as invalid_cursor', async () => {
    const first = await history('?limit=1');
    const cursor: string = first.body.nextCursor;
    const [payload, mac] = cursor.split('.') as [string, string];
    const flipped = `${payload}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    const forged = `${Buffer.from(JSON.stringify([T0, 'msg_x'])).toString('base64url')}.${mac}`;
    for (const bad of [flipped, forged, 'abc', `${cursor}x`]) {
      const res = await history(`?cursor=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
    }
    const other = await createProject(t.relay.store, { name: 'Other' }, t.clock.now);
    const res = await history(`?projectId=${other.id}&cursor=${encodeURIComponent(cursor)}`, owner.accessToken);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
  });

  it('answers bad filters 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['?sort=asc', 'sort'],
      ['?limit=201', 'limit'],
      ['?limit=0', 'limit'],
      ['?status=lost', 'status.0'],
      ['?channel=pigeon', 'channel'],
      ['?country=ma', 'country'],
      ['?to=abc', 'to'],
      ['?to=%2B1', 'to'],
      ['?createdAfter=yesterday', 'createdAfter'],
      ['?createdAfter=2026-06-02T00:00:00Z&createdBefore=2026-06-01T00:00:00Z', 'createdBefore'],
      ['?createdAfter=2025-01-01T00:00:00Z&createdBefore=2026-06-01T00:00:00Z', 'createdBefore'],
      ['?q=a%00b', 'q'],
      ['?q=', 'q'],
      [`?template=${'x'.repeat(101)}`, 'template'],
      ['?direction=sideways', 'direction'],
    ];
    for (const [query, field] of cases) {
      const res = await history(query);
      expect({ query, status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({
        query,
        status: 400,
        code: 'validation_failed',
        field,
      });
    }
  });
});
