import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN, waitForMessage } from '../helpers/start-relay.js';
import { OWNER, setUpOwner, signIn, startAccountsRelay } from '../helpers/accounts.js';
import { rows } from '../helpers/store-snapshot.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

// A message's options (issue 16): scheduling, expiry, priority, category and quiet hours,
// metadata and reference, the sender and flash SMS — on a real relay over HTTP, whose clock
// stands still unless a test moves it.

type Relay = Awaited<ReturnType<typeof startAccountsRelay>>;
let t: Relay;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  t = await startAccountsRelay({
    env: { MESSAGEJS_ALLOW_PRIVATE_TARGETS: '127.0.0.1', MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on' },
    // One delivery at a time: the order the console prints is the order of the claims.
    deps: { worker: { pollMs: 20, concurrency: 1, settle: { everyMs: Infinity } } },
  });
  await setUpOwner(t);
  // Numbers of the United States too (alphanumeric senders do not reach them).
  const countries = await call(t, 'PUT', `/v1/projects/${t.demo.projectId}/countries`, {
    key: await admin(),
    body: { allowedCountries: ['MA', 'FR', 'US'], defaultCountry: 'MA' },
  });
  expect(countries.status, JSON.stringify(countries.body)).toBe(200);
});
afterAll(async () => {
  await t?.cleanup();
  await receiver?.close();
});

/** The owner's access token, fresh: tests move the clock past its 15 minutes. */
const admin = async () => (await signIn(t, OWNER.email, OWNER.password)).accessToken;
const iso = (ms: number) => new Date(ms).toISOString();
/** A new recipient per send: the per-recipient limit allows 5 in 10 minutes. */
let recipients = 0;
const nextRecipient = () => `+2126123${String(100_000 + recipients++).slice(1)}`;
const send = (body: Record<string, unknown>, key = t.demo.secretKey) =>
  call(t, 'POST', '/v1/messages', {
    key,
    body: { to: nextRecipient(), channel: 'sms', text: 'Hello', ...body },
  });
const get = async (id: string) => (await call(t, 'GET', `/v1/messages/${id}`, { key: t.demo.secretKey })).body;
const outboxRow = async (id: string) => (await rows(t.location, 'outbox')).find((r) => r.message_id === id);

describe('sendAt: scheduled messages', () => {
  it('is stored scheduled, due at its time, and sent once the clock gets there', async () => {
    const at = t.clock.now + 3600_000;
    const res = await send({ sendAt: iso(at) });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'scheduled', sendAt: iso(at) });
    const id = res.body.id as string;
    // Time for a worker that would wrongly send it now.
    await new Promise((r) => setTimeout(r, 200));
    expect(await get(id)).toMatchObject({ status: 'scheduled', sendAt: iso(at), sentAt: null, attempts: [] });
    expect(await outboxRow(id)).toMatchObject({ due_at: at });

    t.clock.advance(3600_000);
    const delivered = await waitForMessage(t, id, (m) => m.status === 'delivered');
    expect(delivered.attempts).toHaveLength(1);
  });

  it('refuses a time in the past, over a year ahead, without a zone, or asked with a public key', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ sendAt: iso(t.clock.now - 3600_000) }, 'sendAt'],
      [{ sendAt: iso(t.clock.now + 367 * 24 * 3600_000) }, 'sendAt'],
      [{ sendAt: '2030-01-01T10:00:00' }, 'sendAt'],
      [{ sendAt: 'tomorrow' }, 'sendAt'],
    ];
    for (const [body, field] of cases) {
      const res = await send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
    }
    const pub = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: {
        template: 'contact',
        params: { name: 'A', email: 'a@example.com', message: 'hi' },
        sendAt: iso(t.clock.now + 60_000),
      },
    });
    expect(pub.status).toBe(400);
    expect(pub.body.error).toMatchObject({ code: 'validation_failed', field: 'sendAt' });
  });

  it('takes a time up to a minute ago as now (clocks differ)', async () => {
    const res = await send({ sendAt: iso(t.clock.now - 30_000) });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('queued');
    await waitForMessage(t, res.body.id, (m) => m.status === 'delivered');
  });
});

describe('expireAt and validFor', () => {
  it('ends a message expired, never sent, when it comes due after its expiry', async () => {
    const at = t.clock.now + 600_000;
    // Valid for a minute after its send time; the relay only gets there an hour later.
    const res = await send({ sendAt: iso(at), validFor: 60 });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    expect(await get(id)).toMatchObject({ expireAt: iso(at + 60_000) });
    t.clock.advance(3600_000);
    const expired = await waitForMessage(t, id, (m) => m.status === 'expired');
    expect(expired).toMatchObject({ errorCode: 'message_expired', sentAt: null, attempts: [] });
    expect(expired.events.at(-1)).toMatchObject({ type: 'failed', status: 'expired', errorCode: 'message_expired' });
    expect(await outboxRow(id)).toBeUndefined();
  });

  it('sends a message before its expiry as usual', async () => {
    const res = await send({ expireAt: iso(t.clock.now + 3600_000) });
    expect(res.status).toBe(202);
    await waitForMessage(t, res.body.id, (m) => m.status === 'delivered');
  });

  it('refuses an expiry not after the send time, both forms at once, and a bad duration', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ expireAt: iso(t.clock.now - 1000) }, 'expireAt'],
      [{ sendAt: iso(t.clock.now + 7200_000), expireAt: iso(t.clock.now + 3600_000) }, 'expireAt'],
      [{ expireAt: iso(t.clock.now + 3600_000), validFor: 60 }, 'validFor'],
      [{ validFor: 0 }, 'validFor'],
      [{ validFor: 1.5 }, 'validFor'],
    ];
    for (const [body, field] of cases) {
      const res = await send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
    }
  });
});

describe('priority', () => {
  it('claims high before normal before low among messages due at once', async () => {
    const at = t.clock.now + 60_000;
    const sent: Array<[string, string]> = [];
    for (const priority of ['low', 'low', 'normal', 'high', 'low', 'normal', 'high']) {
      const res = await send({ sendAt: iso(at), priority, text: `p-${priority}` });
      expect(res.status).toBe(202);
      sent.push([res.body.id, priority]);
    }
    expect((await get(sent[3]![0])).priority).toBe('high');
    const printed = t.console.length;
    t.clock.advance(60_000);
    for (const [id] of sent) await waitForMessage(t, id, (m) => m.status === 'delivered');
    const order = t.console
      .slice(printed)
      .map((text) => /p-(high|normal|low)/.exec(text)?.[1])
      .filter(Boolean);
    expect(order).toEqual(['high', 'high', 'normal', 'normal', 'low', 'low', 'low']);
  });

  it('gives codes and alerts high priority and marketing low, unless the caller says', async () => {
    const otp = await send({ category: 'otp' });
    const marketing = await send({ category: 'marketing' });
    const said = await send({ category: 'alert', priority: 'low' });
    expect((await get(otp.body.id)).priority).toBe('high');
    expect((await get(marketing.body.id)).priority).toBe('low');
    expect((await get(said.body.id)).priority).toBe('low');
    const bad = await send({ priority: 'urgent' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('priority');
  });
});

/** `HH:MM` in `zone` at `at`. */
function localTime(at: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

describe('category and quiet hours', () => {
  const quietHours = `/v1/projects/${'%s'}/quiet-hours`;
  const path = () => quietHours.replace('%s', t.demo.projectId);

  it('holds a marketing message until the quiet hours end in the recipient’s time zone; other categories go', async () => {
    // Quiet from an hour ago until two hours from now, in Morocco (the recipient's country).
    const zone = 'Africa/Casablanca';
    const start = localTime(t.clock.now - 3600_000, zone);
    const end = localTime(t.clock.now + 2 * 3600_000, zone);
    const set = await call(t, 'PUT', path(), { key: await admin(), body: { start, end, timeZone: 'UTC' } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toEqual({ quietHours: { start, end, timeZone: 'UTC' } });

    const held = await send({ category: 'marketing' });
    expect(held.status).toBe(202);
    expect(held.body.status).toBe('scheduled');
    // The end of the window, to the minute: two hours from now, seconds dropped.
    const endsAt = Math.floor((t.clock.now + 2 * 3600_000) / 60_000) * 60_000;
    expect(held.body.sendAt).toBe(iso(endsAt));

    const transactional = await send({ category: 'transactional' });
    expect(transactional.body.status).toBe('queued');
    await waitForMessage(t, transactional.body.id, (m) => m.status === 'delivered');

    // An email address has no country: the project's time zone (UTC) decides.
    const utcStart = localTime(t.clock.now - 3600_000, 'UTC');
    const utcEnd = localTime(t.clock.now + 3600_000, 'UTC');
    await call(t, 'PUT', path(), { key: await admin(), body: { start: utcStart, end: utcEnd, timeZone: 'UTC' } });
    const email = await send({ category: 'marketing', channel: 'email', to: 'ada@example.com', subject: 'News' });
    expect(email.body).toMatchObject({
      status: 'scheduled',
      sendAt: iso(Math.floor((t.clock.now + 3600_000) / 60_000) * 60_000),
    });

    t.clock.advance(2 * 3600_000 + 60_000);
    await waitForMessage(t, held.body.id, (m) => m.status === 'delivered');
    await waitForMessage(t, email.body.id, (m) => m.status === 'delivered');

    const cleared = await call(t, 'DELETE', path(), { key: await admin() });
    expect(cleared.body).toEqual({ quietHours: null });
    expect((await send({ category: 'marketing' })).body.status).toBe('queued');
  });

  it('refuses bad quiet hours: an unknown time zone, a malformed time, start equal to end', async () => {
    for (const [body, field] of [
      [{ start: '21:00', end: '08:00', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ start: '9pm', end: '08:00' }, 'start'],
      [{ start: '24:00', end: '08:00' }, 'start'],
      [{ start: '08:00', end: '08:00' }, 'end'],
      [{ start: '21:00' }, 'end'],
    ] as const) {
      const res = await call(t, 'PUT', path(), { key: await admin(), body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
    }
    expect((await call(t, 'GET', path(), { key: await admin() })).body).toEqual({ quietHours: null });
    const category = await send({ category: 'newsletter' });
    expect(category.body.error).toMatchObject({ code: 'validation_failed', field: 'category' });
  });
});

describe('metadata and reference', () => {
  it('returns them on GET, in the history, filters by reference, and puts them in the events', async () => {
    const endpoint = await call(t, 'POST', `/v1/projects/${t.demo.projectId}/webhooks`, {
      key: await admin(),
      body: { url: `${receiver.url}/meta`, events: ['message.queued', 'message.delivered'] },
    });
    expect(endpoint.status).toBe(201);
    const metadata = { orderId: 'A-1042', attempt: 2, vip: true, note: null };
    const res = await send({ metadata, reference: 'order-A-1042' });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    await waitForMessage(t, id, (m) => m.status === 'delivered');
    expect(await get(id)).toMatchObject({ metadata, reference: 'order-A-1042', priority: 'normal', category: null });

    const other = await send({ reference: 'order-B-7' });
    await waitForMessage(t, other.body.id, (m) => m.status === 'delivered');
    const history = await call(t, 'GET', '/v1/messages?reference=order-A-1042', { key: t.demo.secretKey });
    expect(history.status).toBe(200);
    expect(history.body.data.map((m: { id: string }) => m.id)).toEqual([id]);
    expect(history.body.data[0]).toMatchObject({ metadata, reference: 'order-A-1042' });

    await receiver.until(() => receiver.events('/meta').filter((e) => e.data.messageId === id).length === 2);
    for (const event of receiver.events('/meta').filter((e) => e.data.messageId === id)) {
      expect(event.data).toMatchObject({ metadata, reference: 'order-A-1042' });
    }
    await call(t, 'DELETE', `/v1/projects/${t.demo.projectId}/webhooks/${endpoint.body.endpoint.id}`, {
      key: await admin(),
    });
  });

  it('refuses metadata over 16 keys or 4 KB, nested values, and a reference over 128 characters', async () => {
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]));
    const big = {
      a: 'x'.repeat(1000),
      b: 'x'.repeat(1000),
      c: 'x'.repeat(1000),
      d: 'x'.repeat(1000),
      e: 'é'.repeat(100),
    };
    for (const [body, field] of [
      [{ metadata: many }, 'metadata'],
      [{ metadata: big }, 'metadata'],
      [{ metadata: { nested: { a: 1 } } }, 'metadata.nested'],
      [{ metadata: ['a'] }, 'metadata'],
      [{ reference: 'r'.repeat(129) }, 'reference'],
      [{ reference: '' }, 'reference'],
    ] as const) {
      const res = await send(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
    }
  });
});

describe('from and flash', () => {
  it('sends from the sender asked and as flash SMS where the connector can (the console prints both)', async () => {
    const res = await send({ from: 'ACME Shop', flash: true, text: 'flash-check' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitForMessage(t, res.body.id, (m) => m.status === 'delivered');
    expect(await get(res.body.id)).toMatchObject({ from: 'ACME Shop', flash: true });
    expect(t.console.find((text) => text.includes('flash-check'))).toContain('· from ACME Shop · flash');
  });

  it('refuses a sender no connector of the channel has, and flash SMS where none sends them', async () => {
    const key = await admin();
    const created = await call(t, 'POST', '/v1/projects', { key, body: { name: 'Twilio only' } });
    const project = `/v1/projects/${created.body.id}`;
    await call(t, 'PUT', `${project}/countries`, { key, body: { allowedCountries: ['MA'], defaultCountry: 'MA' } });
    const connector = await call(t, 'POST', `${project}/connectors`, {
      key,
      body: {
        type: 'twilio',
        channels: ['sms'],
        config: { from: '+15005550006', senders: ['ACME'] },
        credentials: { accountSid: `AC${'d'.repeat(32)}`, authToken: 'token-never-used-0123456789' },
      },
    });
    expect(connector.status, JSON.stringify(connector.body)).toBe(201);
    const secret = await call(t, 'POST', `${project}/keys`, { key, body: { kind: 'secret', name: 'server' } });
    const as = secret.body.key as string;

    const other = await send({ from: 'SHOP' }, as);
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'sender_not_allowed', field: 'from' });
    expect(other.body.error.message).toContain('+15005550006, ACME');
    const flash = await send({ flash: true }, as);
    expect(flash.status).toBe(422);
    expect(flash.body.error).toMatchObject({ code: 'flash_not_supported', field: 'flash' });
  });

  it('refuses an alphanumeric sender to a country whose networks do not take one, and malformed senders', async () => {
    const us = await send({ to: '+14155552671', from: 'ACME' });
    expect(us.status).toBe(422);
    expect(us.body.error).toMatchObject({ code: 'sender_not_allowed', field: 'from' });
    expect((await send({ to: '+14155552671', from: '+14155550100' })).status).toBe(202);
    for (const from of ['TwelveLetter', '12345678901234567', 'AC/ME', ' ACME', '']) {
      const res = await send({ from });
      expect(res.status, from).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field: 'from' });
    }
    const email = await send({ channel: 'email', to: 'ada@example.com', flash: true });
    expect(email.body.error).toMatchObject({ code: 'validation_failed', field: 'flash' });
  });
});
