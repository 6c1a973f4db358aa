import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN, startRelay, waitForMessage, type TestRelay } from '../helpers/start-relay.js';
import { CHEAP_PASSWORDS, setUpOwner } from '../helpers/accounts.js';
import { countRows } from '../store-contract/fixtures.js';

// `POST /v1/messages/bulk` and `GET /v1/batches/:id` (issue 16), on a real relay over HTTP.

let t: TestRelay;
let ownerToken: string;
const bulk = (body: unknown, headers: Record<string, string> = {}, key = t.demo.secretKey) =>
  call(t, 'POST', '/v1/messages/bulk', { key, body, headers });
/** Moroccan mobile numbers, a new one each time. */
let n = 0;
const number = () => `+21261${String(10_000_000 + n++).slice(1)}`;
const messageCount = () => countRows(t.location, 'messages');

beforeAll(async () => {
  t = await startRelay({ deps: { passwordHashing: CHEAP_PASSWORDS } });
  const owner = await setUpOwner(t);
  ownerToken = owner.accessToken;
  // Room for the 10,000-message request and the rest of the file in one day.
  const limits = await call(t, 'PATCH', `/v1/projects/${t.demo.projectId}/limits`, {
    key: owner.accessToken,
    body: { perProjectPerDay: 1_000_000 },
  });
  expect(limits.status).toBe(200);
});
afterAll(async () => {
  await t?.cleanup();
});

describe('recipients of one template', () => {
  it('accepts the good ones, refuses each bad one with its index and field, and reports progress', async () => {
    const good = [number(), number(), number()];
    const res = await bulk({
      template: 'order_update',
      params: { eta: 'today' },
      recipients: [
        { to: good[0], params: { order: 'A-1' } },
        { to: '+212', params: { order: 'A-2' } },
        { to: good[1], params: { order: 'A-3', eta: 'tomorrow' } },
        { to: number() },
        { to: good[2], params: { order: 'A-5' }, reference: 'r-5', metadata: { row: 5 } },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ accepted: 3, segments: 3 });
    expect(res.body.batchId).toMatch(/^bat_/);
    expect(res.body.rejected).toEqual([
      { index: 1, code: 'invalid_recipient', field: 'to', message: expect.any(String) },
      { index: 3, code: 'validation_failed', field: 'params.order', message: expect.any(String) },
    ]);
    expect(res.body.ids.map((i: { index: number }) => i.index)).toEqual([0, 2, 4]);
    expect(res.body.byCountry.MA).toMatchObject({ messages: 3, segments: 3 });
    expect(Object.keys(res.body.byOperator).every((k) => k.startsWith('MA:'))).toBe(true);
    expect(res.body.cost.eur).toBeGreaterThan(0);

    for (const { id } of res.body.ids) await waitForMessage(t, id, (m) => m.status === 'delivered');
    const third = await call(t, 'GET', `/v1/messages/${res.body.ids[2].id}`, { key: t.demo.secretKey });
    expect(third.body).toMatchObject({ to: good[2], reference: 'r-5', metadata: { row: 5 }, template: 'order_update' });
    expect(t.console.some((text) => text.includes('Order A-3 is on its way, arriving tomorrow.'))).toBe(true);

    const batch = await call(t, 'GET', `/v1/batches/${res.body.batchId}`, { key: t.demo.secretKey });
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({ total: 5, accepted: 3, rejected: 2, statuses: { delivered: 3 }, done: true });
  });

  it('takes bare addresses, and refuses those that opted out', async () => {
    const out = number();
    const added = await call(t, 'POST', `/v1/projects/${t.demo.projectId}/opt-outs`, {
      key: ownerToken,
      body: { address: out },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const res = await bulk({ text: 'Sale today', channel: 'sms', recipients: [number(), out, number()] });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected).toEqual([
      { index: 1, code: 'recipient_opted_out', field: 'to', message: expect.any(String) },
    ]);
  });
});

describe('full messages', () => {
  it('checks each item as POST /v1/messages does: its own channel, text or template, options', async () => {
    const res = await bulk({
      priority: 'low',
      messages: [
        { to: number(), channel: 'sms', text: 'One' },
        { to: 'ada@example.com', channel: 'email', text: 'Two', subject: 'Hi', priority: 'high' },
        { to: number(), template: 'order_update', params: { order: 'B-1', eta: 'now' } },
        { to: number(), channel: 'sms', text: 'bad\u0000text' },
        { to: number(), channel: 'pigeon', text: 'Three' },
        'not an object',
        { to: number(), channel: 'sms', text: 'Later', sendAt: new Date(Date.now() + 3600_000).toISOString() },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.accepted).toBe(4);
    expect(res.body.rejected.map((r: { index: number; field: string }) => [r.index, r.field])).toEqual([
      [3, 'text'],
      [4, 'channel'],
      [5, null],
    ]);
    const [one, two, , later] = res.body.ids as Array<{ id: string }>;
    const get = async (id: string) => (await call(t, 'GET', `/v1/messages/${id}`, { key: t.demo.secretKey })).body;
    expect((await get(one!.id)).priority).toBe('low');
    expect((await get(two!.id)).priority).toBe('high');
    expect((await get(later!.id)).status).toBe('scheduled');
    const batch = await call(t, 'GET', `/v1/batches/${res.body.batchId}`, { key: t.demo.secretKey });
    expect(batch.body.done).toBe(false);
  });

  it('refuses the whole batch with atomic when one item is bad: nothing is stored', async () => {
    const before = await messageCount();
    const res = await bulk({
      atomic: true,
      messages: [
        { to: number(), channel: 'sms', text: 'One' },
        { to: 'nope', channel: 'sms', text: 'Two' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'validation_failed',
      field: 'messages',
      rejected: [{ index: 1, code: 'invalid_recipient', field: 'to', message: expect.any(String) }],
    });
    expect(await messageCount()).toBe(before);
  });
});

describe('bad requests', () => {
  it('answers 413 too_many_messages past 10,000, before checking any item', async () => {
    const res = await bulk({ text: 'x', channel: 'sms', recipients: Array.from({ length: 10_001 }, () => 'x') });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'too_many_messages', field: 'recipients' });
  });

  it('takes bodies up to 4 MB here and 64 KB elsewhere', async () => {
    const big = { text: 'x', channel: 'sms', recipients: ['+212600000000'], metadata: { pad: 'y'.repeat(1000) } };
    const padded = {
      ...big,
      recipients: Array.from({ length: 5000 }, () => ({ to: '+2126', params: { p: 'z'.repeat(900) } })),
    };
    expect((await bulk(padded)).status).toBe(413);
    expect((await bulk(padded)).body.error.code).toBe('payload_too_large');
    const single = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: number(), channel: 'sms', text: 'y'.repeat(9000), metadata: { a: 'b' }, reference: 'r'.repeat(120) },
    });
    expect(single.status).toBe(202);
  });

  it('refuses a public key, a malformed request, and a past sendAt for all', async () => {
    const pub = await call(t, 'POST', '/v1/messages/bulk', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { template: 'order_update', recipients: [number()] },
    });
    expect(pub.status).toBe(403);
    for (const [body, field] of [
      [{ text: 'x', channel: 'sms', recipients: [] }, 'recipients'],
      [{ text: 'x', channel: 'sms' }, 'recipients'],
      [{ text: 'x', channel: 'sms', recipients: [number()], messages: [{}] }, 'messages'],
      [{ text: 'x', channel: 'sms', recipients: [number()], extra: 1 }, 'extra'],
      [{ text: 'x', channel: 'sms', recipients: [number()], sendAt: '2020-01-01T00:00:00Z' }, 'sendAt'],
      [{ text: 'x\u0007', channel: 'sms', recipients: [number()] }, 'text'],
      [[1, 2], undefined],
    ] as const) {
      const res = await bulk(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      if (field) expect(res.body.error.field).toBe(field);
    }
  });
});

describe('Idempotency-Key', () => {
  it('covers the batch: a retry answers the same batch and stores nothing more; another body is 409', async () => {
    const body = { text: 'Once', channel: 'sms', recipients: [number(), number()] };
    const headers = { 'Idempotency-Key': `bulk-${Date.now()}` };
    const first = await bulk(body, headers);
    const count = await messageCount();
    const again = await bulk(body, headers);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await messageCount()).toBe(count);
    const other = await bulk({ ...body, text: 'Twice' }, headers);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_conflict');
  });
});

describe('10,000 messages', () => {
  it('accepts them in one request, every one stored with its outbox row', async () => {
    const before = await messageCount();
    const recipients = Array.from({ length: 10_000 }, (_, i) => ({ to: number(), params: { order: `C-${i}` } }));
    const res = await bulk({ template: 'order_update', params: { eta: 'soon' }, recipients });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(10_000);
    expect(res.body.rejected).toEqual([]);
    expect(new Set(res.body.ids.map((i: { id: string }) => i.id)).size).toBe(10_000);
    expect(await messageCount()).toBe(before + 10_000);
    const batch = await call(t, 'GET', `/v1/batches/${res.body.batchId}`, { key: t.demo.secretKey });
    const counted = Object.values(batch.body.statuses as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(counted).toBe(10_000);
  }, 60_000);
});
