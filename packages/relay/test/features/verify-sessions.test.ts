import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '@messagejs/relay';
import { call, DEMO_ORIGIN, waitForIdle } from '../helpers/start-relay.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';
import { messageRecord } from '../helpers/store-records.js';
import { printedCodes, waitForCode, wrongCode } from '../helpers/verify.js';

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let owner: Tokens;
const MINUTE = 60_000;
/** When the sessions were started: a fixed past morning, one a minute (the last at 15). */
const T0 = Date.parse('2026-06-01T08:00:00Z');

/** The sessions, by name: their ids and the codes the console printed. */
const ids: Record<string, string> = {};
const codes: string[] = [];

/** Starts a session at `T0 + minute` with the secret key; returns its id (its code is in `codes`). */
async function start(name: string, minute: number, body: { to: string; channel: string }): Promise<string> {
  t.clock.now = T0 + minute * MINUTE;
  const printed = printedCodes(t).length;
  const res = await call(t, 'POST', '/v1/verify/send', { key: t.demo.secretKey, body });
  expect(res.status).toBe(202);
  codes.push(await waitForCode(t, printed + 1));
  ids[name] = res.body.sessionId;
  return res.body.sessionId;
}
const check = (sessionId: string, code: string) =>
  call(t, 'POST', '/v1/verify/check', { key: t.demo.secretKey, body: { sessionId, code } });

const list = (query = '', key = t.demo.secretKey, headers: Record<string, string> = {}) =>
  call(t, 'GET', `/v1/verify/sessions${query}`, { key, headers });
const names = (res: { body: { data: Array<{ id: string }> } }) =>
  res.body.data.map((s) => Object.keys(ids).find((name) => ids[name] === s.id) ?? s.id);

beforeAll(async () => {
  t = await startAccountsRelay();
  owner = await setUpOwner(t);
  await start('approved', 1, { to: '+212612345678', channel: 'sms' });
  expect((await check(ids.approved!, codes[0]!)).body.valid).toBe(true);
  await start('canceled', 2, { to: '+33612345678', channel: 'sms' });
  for (let i = 0; i < 5; i++) await check(ids.canceled!, wrongCode(codes[1]!));
  await start('whatsapp', 3, { to: '+212698765432', channel: 'whatsapp' });
  await start('email', 4, { to: 'amina@example.com', channel: 'email' });
  await start('pending', 15, { to: '+212600001234', channel: 'sms' });
  // The codes of all but the last have run out (10 minutes).
  t.clock.now = T0 + 20 * MINUTE;
  await waitForIdle(t);
});
afterAll(() => t.cleanup());

describe('GET /v1/verify/sessions', () => {
  it('lists the project’s sessions newest first, with their status as of now, never a code', async () => {
    const res = await list();
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(['pending', 'email', 'whatsapp', 'canceled', 'approved']);
    expect(res.body.nextCursor).toBeNull();
    const [pending, email, whatsapp, canceled, approved] = res.body.data;
    expect(approved).toEqual({
      id: ids.approved,
      projectId: t.demo.projectId,
      status: 'approved',
      channel: 'sms',
      to: '+212612345678',
      country: 'MA',
      sends: 1,
      checks: 1,
      attempts: 0,
      maxAttempts: 5,
      createdAt: new Date(T0 + MINUTE).toISOString(),
      updatedAt: new Date(T0 + MINUTE).toISOString(),
      lastSentAt: new Date(T0 + MINUTE).toISOString(),
      expiresAt: new Date(T0 + 11 * MINUTE).toISOString(),
      verifiedAt: new Date(T0 + MINUTE).toISOString(),
    });
    expect(canceled).toMatchObject({ status: 'canceled', country: 'FR', checks: 5, attempts: 5, verifiedAt: null });
    expect(whatsapp).toMatchObject({ status: 'expired', channel: 'whatsapp', country: 'MA' });
    expect(email).toMatchObject({ status: 'expired', channel: 'email', to: 'amina@example.com', country: null });
    expect(pending).toMatchObject({ status: 'pending', checks: 0 });
    const text = JSON.stringify(res.body);
    for (const code of codes) expect(text).not.toContain(`"${code}"`);
    expect(text).not.toMatch(/code|hmac/i);
  });

  it('walks every page once with signed cursors', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...names(res));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(['pending', 'email', 'whatsapp', 'canceled', 'approved']);
    expect(pages).toBe(3);
  });

  it('filters by status, channel, country, recipient and creation time', async () => {
    const only = async (query: string) => {
      const res = await list(`?${query}`);
      expect(res.status).toBe(200);
      return names(res);
    };
    expect(await only('status=expired')).toEqual(['email', 'whatsapp']);
    expect(await only('status=pending')).toEqual(['pending']);
    expect(await only('status=approved,canceled')).toEqual(['canceled', 'approved']);
    expect(await only('channel=whatsapp')).toEqual(['whatsapp']);
    expect(await only('channel=email')).toEqual(['email']);
    expect(await only('country=FR')).toEqual(['canceled']);
    expect(await only(`to=${encodeURIComponent('+212612345678')}`)).toEqual(['approved']);
    expect(await only('to=5678')).toEqual(['canceled', 'approved']);
    expect(await only('createdAfter=2026-06-01T08:02:00Z&createdBefore=2026-06-01T08:04:00Z')).toEqual([
      'whatsapp',
      'canceled',
    ]);
    expect(await only('status=pending&channel=email')).toEqual([]);
  });

  it('refuses a public key: the sessions need a server or a member', async () => {
    for (const route of ['/v1/verify/sessions', `/v1/verify/sessions/${ids.approved}`]) {
      const res = await call(t, 'GET', route, { key: t.demo.publicKey, origin: DEMO_ORIGIN });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', permission: 'view_history' });
    }
  });

  it('answers members: owners read full numbers, viewers masked ones, other projects 404', async () => {
    const headers = { 'messagejs-project': t.demo.projectId };
    const mine = await list('?to=5678', owner.accessToken, headers);
    expect(mine.status).toBe(200);
    expect(mine.body.data.map((s: { to: string }) => s.to)).toEqual(['+33612345678', '+212612345678']);
    const viewer = await addMember(t, owner, { email: 'viewer@example.com', role: 'viewer' });
    const masked = await list(`?projectId=${t.demo.projectId}&to=5678`, viewer.accessToken);
    expect(masked.status).toBe(200);
    expect(masked.body.data.map((s: { to: string }) => s.to)).toEqual(['+*******5678', '+********5678']);
    const detail = await call(t, 'GET', `/v1/verify/sessions/${ids.email}?projectId=${t.demo.projectId}`, {
      key: viewer.accessToken,
    });
    expect(detail.body.to).toBe('a***@example.com');
    const elsewhere = await list('?projectId=prj_not_mine', owner.accessToken);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error).toMatchObject({ code: 'project_not_found' });
  });

  it('refuses a tampered cursor, and one handed out for another project, as invalid_cursor', async () => {
    const cursor: string = (await list('?limit=1')).body.nextCursor;
    const [payload, mac] = cursor.split('.') as [string, string];
    const flipped = `${payload}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    const forged = `${Buffer.from(JSON.stringify([T0, 'ver_x'])).toString('base64url')}.${mac}`;
    for (const bad of [flipped, forged, 'abc', `${cursor}x`]) {
      const res = await list(`?cursor=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
    }
    const other = await createProject(t.relay.store, { name: 'Other' }, t.clock.now);
    const res = await list(`?projectId=${other.id}&cursor=${encodeURIComponent(cursor)}`, owner.accessToken);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
  });

  it('answers bad filters 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['?template=otp', 'template'],
      ['?limit=201', 'limit'],
      ['?limit=0', 'limit'],
      ['?status=lost', 'status.0'],
      ['?status=approved,sent', 'status.1'],
      ['?channel=slack', 'channel'],
      ['?country=ma', 'country'],
      ['?to=abc', 'to'],
      ['?to=%2B1', 'to'],
      ['?createdAfter=yesterday', 'createdAfter'],
      ['?createdAfter=2026-06-02T00:00:00Z&createdBefore=2026-06-01T00:00:00Z', 'createdBefore'],
      ['?createdAfter=2025-01-01T00:00:00Z&createdBefore=2026-06-01T00:00:00Z', 'createdBefore'],
    ];
    for (const [query, field] of cases) {
      const res = await list(query);
      expect({ query, status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({
        query,
        status: 400,
        code: 'validation_failed',
        field,
      });
    }
  });
});

describe('GET /v1/verify/sessions/:id', () => {
  it('answers a session with the messages that carried its codes, a resend included, never a code', async () => {
    t.clock.now = T0 + 16 * MINUTE;
    const printed = printedCodes(t).length;
    const again = await call(t, 'POST', '/v1/verify/send', {
      key: t.demo.secretKey,
      body: { to: '+212600001234', channel: 'sms' },
    });
    expect(again.body.sessionId).toBe(ids.pending);
    const resentCode = await waitForCode(t, printed + 1);
    t.clock.now = T0 + 20 * MINUTE;
    const res = await call(t, 'GET', `/v1/verify/sessions/${ids.pending}`, { key: t.demo.secretKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ids.pending,
      status: 'pending',
      to: '+212600001234',
      sends: 2,
      lastSentAt: new Date(T0 + 16 * MINUTE).toISOString(),
      expiresAt: new Date(T0 + 26 * MINUTE).toISOString(),
    });
    expect(res.body.messageIds).toHaveLength(2);
    for (const id of res.body.messageIds) {
      const message = await call(t, 'GET', `/v1/messages/${id}`, { key: t.demo.secretKey });
      expect(message.body).toMatchObject({ template: 'verify', to: '+212600001234' });
    }
    const text = JSON.stringify(res.body);
    for (const code of [...codes, resentCode]) expect(text).not.toContain(`"${code}"`);
    expect(text).not.toMatch(/code|hmac/i);
  });

  it('answers 404 for an unknown id, a malformed one, and another project’s session', async () => {
    const other = await createProject(t.relay.store, { name: 'Elsewhere' }, t.clock.now);
    const foreign = `ver_${'F'.repeat(22)}`;
    await t.relay.store.verify.send({
      session: {
        id: foreign,
        projectId: other.id,
        keyId: 'key_other',
        client: 'secret',
        channel: 'sms',
        to: '+212612345678',
        country: 'MA',
        messageIds: ['msg_foreign'],
        codeHmac: 'e5'.repeat(32),
        codeLength: 6,
        alphabet: 'numeric',
        status: 'pending',
        attempts: 0,
        maxAttempts: 5,
        sends: 1,
        lastSentAt: t.clock.now,
        expiresAt: t.clock.now + 10 * MINUTE,
        verifiedAt: null,
        createdAt: t.clock.now,
        updatedAt: t.clock.now,
      },
      resendOf: null,
      message: messageRecord(`msg_${'f'.repeat(29)}`, other.id, 'key_other', { sensitive: true }),
      dueAt: t.clock.now + 365 * 24 * 60 * MINUTE,
      scope: { country: 'MA', prefix: null },
      since: { recipient: 0, hour: 0, day: 0 },
      admit: () => null,
    });
    for (const id of [`ver_${'0'.repeat(22)}`, 'ver_short', 'msg_x', foreign]) {
      const res = await call(t, 'GET', `/v1/verify/sessions/${id}`, { key: t.demo.secretKey });
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'verify_session_not_found', field: 'id' });
    }
    const owners = await call(t, 'GET', `/v1/verify/sessions/${foreign}`, {
      key: owner.accessToken,
      headers: { 'messagejs-project': other.id },
    });
    expect(owners.status).toBe(200);
    expect(owners.body).toMatchObject({ id: foreign, messageIds: ['msg_foreign'] });
  });
});
