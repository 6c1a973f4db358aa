import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { addConnector, createProject } from '@messagejs/relay';
import { call, DEMO_ORIGIN, waitForMessage } from '../helpers/start-relay.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { messageRecord } from '../helpers/store-records.js';

const PUBLIC_URL = 'https://relay.example.com';
const AUTH_TOKEN = 'twilio-auth-token-0123456789abcdef';
const ACCOUNT_SID = `AC${'a'.repeat(32)}`;

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let fakeTwilio: FakeProvider;
let fakeMeta: FakeProvider;
let twilioId: string;
let owner: Tokens;
let viewer: Tokens;

/** Twilio answers each send with a new SID. */
let sids = 0;
const twilioAccepts = () =>
  fakeTwilio.reply(() => ({ status: 201, body: { sid: `SM${String(++sids).padStart(32, '0')}`, status: 'queued' } }));

beforeAll(async () => {
  fakeTwilio = await startFakeProvider();
  fakeMeta = await startFakeProvider();
  let wamids = 0;
  fakeMeta.reply(() => ({
    status: 200,
    body: { messaging_product: 'whatsapp', messages: [{ id: `wamid.${++wamids}` }] },
  }));
  t = await startAccountsRelay({
    env: { MESSAGEJS_PUBLIC_URL: PUBLIC_URL },
    deps: {
      connectorBaseUrls: { twilio: fakeTwilio.url, 'whatsapp-cloud': fakeMeta.url },
      // The clock stands still unless a test moves it: retries and fallback checks come due then.
      worker: { pollMs: 10, backoffBaseMs: 1000, backoffMaxMs: 60_000, maxAttemptsPerConnector: 2, random: () => 0.5 },
    },
  });
  const common = { projectId: t.demo.projectId, priority: 1 } as const;
  // SMS: Twilio first, then the demo's console connector (priority 100).
  twilioId = (
    await addConnector(
      t.relay.store,
      t.relay.sealer,
      {
        ...common,
        type: 'twilio',
        channels: ['sms'],
        config: { from: '+15005550006' },
        credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      },
      t.clock.now,
    )
  ).id;
  await addConnector(
    t.relay.store,
    t.relay.sealer,
    {
      ...common,
      type: 'whatsapp-cloud',
      channels: ['whatsapp'],
      config: { phoneNumberId: '1234567890' },
      credentials: { accessToken: 'EAAG-test', appSecret: 'meta-app-secret-0123456789', verifyToken: 'verify-me' },
    },
    t.clock.now,
  );
  owner = await setUpOwner(t);
  viewer = await addMember(t, owner, { email: 'viewer@example.com', role: 'viewer' });
});
afterAll(async () => {
  await t.cleanup();
  await fakeTwilio.close();
  await fakeMeta.close();
});

let nextNumber = 10;
const number = () => `+336123456${nextNumber++}`;

async function send(body: Record<string, unknown>): Promise<string> {
  const res = await call(t, 'POST', '/v1/messages', {
    key: t.demo.secretKey,
    body: { text: 'Your order shipped', ...body },
  });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

/** Posts a Twilio status callback signed the way Twilio signs it. */
async function twilioCallback(params: Record<string, string>) {
  const path = `/v1/hooks/${twilioId}/status`;
  const res = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}${path}`, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
}

/** `GET /v1/messages/:id` as a member (or admin token), naming the demo project. */
const asMember = (id: string, credential: string, how: 'header' | 'query' = 'header') =>
  how === 'header'
    ? call(t, 'GET', `/v1/messages/${id}`, { key: credential, headers: { 'messagejs-project': t.demo.projectId } })
    : call(t, 'GET', `/v1/messages/${id}?projectId=${t.demo.projectId}`, { key: credential });

type Event = Record<string, unknown> & { type: string };
const types = (events: Event[]) => events.map((e) => e.type);

describe('GET /v1/messages/:id: the timeline', () => {
  it('shows members a delivered message’s acceptance, attempt and callbacks in order: owners full, viewers masked', async () => {
    twilioAccepts();
    const to = number();
    const id = await send({ to, channel: 'sms' });
    const sent = await waitForMessage(t, id, (m) => m.status === 'sent');
    const sid = sent.providerMessageId as string;
    await twilioCallback({ MessageSid: sid, MessageStatus: 'delivered', AccountSid: ACCOUNT_SID });
    // Late, after delivered: recorded, and ignored.
    await twilioCallback({ MessageSid: sid, MessageStatus: 'sent', AccountSid: ACCOUNT_SID });

    const full = await asMember(id, owner.accessToken);
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ status: 'delivered', to, templateVersion: null });
    expect(full.body).toHaveProperty('cost');
    const at = new Date(t.clock.now).toISOString();
    const onTwilio = { channel: 'sms', connector: 'twilio', connectorId: twilioId };
    expect(full.body.events).toEqual([
      { type: 'accepted', at, channel: 'sms', connector: null, connectorId: null, status: 'queued', errorCode: null },
      { type: 'attempt', at, ...onTwilio, status: 'sent', errorCode: null, providerMessageId: sid },
      {
        type: 'callback',
        at,
        ...onTwilio,
        status: 'delivered',
        errorCode: null,
        providerMessageId: sid,
        providerStatus: 'delivered',
        applied: true,
      },
      {
        type: 'callback',
        at,
        ...onTwilio,
        status: 'sent',
        errorCode: null,
        providerMessageId: sid,
        providerStatus: 'sent',
        applied: false,
      },
    ]);
    expect(full.body.attempts).toHaveLength(1);

    const masked = await asMember(id, viewer.accessToken, 'query');
    expect(masked.status).toBe(200);
    expect(masked.body.to).toBe(`+*******${to.slice(-4)}`);
    expect(masked.body.events).toEqual(full.body.events);
    expect(JSON.stringify(masked.body)).not.toContain(to.slice(1, -4));

    // A secret key reads the same detail.
    const secret = await call(t, 'GET', `/v1/messages/${id}`, { key: t.demo.secretKey });
    expect(secret.body.events).toEqual(full.body.events);
  });

  it('answers admin tokens with view_history through the same step', async () => {
    twilioAccepts();
    const id = await send({ to: number(), channel: 'sms' });
    await waitForMessage(t, id, (m) => m.status === 'sent');
    const created = await call(t, 'POST', '/v1/admin-tokens', {
      key: owner.accessToken,
      body: { name: 'support', permissions: ['view_history'] },
    });
    expect(created.status).toBe(201);
    const res = await asMember(id, created.body.token as string);
    expect(res.status).toBe(200);
    expect(types(res.body.events)).toEqual(['accepted', 'attempt']);
  });

  it('shows a cascade: the failed attempt, the fallback to the next channel and why, masked for viewers', async () => {
    const to = number();
    fakeTwilio.reply({
      status: 400,
      body: { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 },
    });
    const id = await send({ to, channel: 'sms', channels: ['sms', 'whatsapp'] });
    await waitForMessage(t, id, (m) => m.channel === 'whatsapp' && m.status === 'sent');

    const full = await asMember(id, owner.accessToken);
    const events: Event[] = full.body.events;
    expect(types(events)).toEqual(['accepted', 'attempt', 'fallback', 'attempt']);
    expect(events[0]).toMatchObject({ channel: 'sms', status: 'queued' });
    expect(events[1]).toMatchObject({ channel: 'sms', connector: 'twilio', status: 'failed', errorCode: '21211' });
    expect(events[2]).toEqual({
      type: 'fallback',
      at: expect.any(String),
      channel: 'sms',
      connector: 'twilio',
      connectorId: twilioId,
      status: null,
      errorCode: 'invalid_recipient',
      to: 'whatsapp',
      providerCode: '21211',
      errorMessage: `Twilio: The 'To' number ${to} is not a valid phone number.`,
    });
    expect(events[3]).toMatchObject({ channel: 'whatsapp', connector: 'whatsapp-cloud', status: 'sent' });

    const masked = await asMember(id, viewer.accessToken);
    expect(masked.body.events[2].errorMessage).toBe(
      `Twilio: The 'To' number +*******${to.slice(-4)} is not a valid phone number.`,
    );
    expect(JSON.stringify(masked.body)).not.toContain(to.slice(1, -4));
  });

  it('shows a fallback when the first channel did not report delivery in time', async () => {
    twilioAccepts();
    const id = await send({ to: number(), channel: 'whatsapp', channels: ['whatsapp', 'sms'], fallbackAfter: 30 });
    await waitForMessage(t, id, (m) => m.channel === 'whatsapp' && m.status === 'sent');
    t.clock.advance(31_000);
    await waitForMessage(t, id, (m) => m.channel === 'sms' && m.status === 'sent');
    const { body } = await asMember(id, owner.accessToken);
    expect(types(body.events)).toEqual(['accepted', 'attempt', 'fallback', 'attempt']);
    expect(body.events[0]).toMatchObject({ channel: 'whatsapp' });
    expect(body.events[2]).toMatchObject({
      channel: 'whatsapp',
      connectorId: null,
      errorCode: 'fallback_timeout',
      to: 'sms',
      errorMessage: 'No delivery report on whatsapp in time.',
    });
    expect(body.events[3]).toMatchObject({ channel: 'sms', connector: 'twilio', status: 'sent' });
  });

  it('shows retries and the failover to the channel’s next connector', async () => {
    fakeTwilio.reply({ status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
    const id = await send({ to: number(), channel: 'sms' });
    await waitForMessage(t, id, (m) => m.attempts.length === 1);
    t.clock.advance(1000);
    await waitForMessage(t, id, (m) => m.status === 'delivered');
    const { body } = await asMember(id, owner.accessToken);
    const events: Event[] = body.events;
    expect(types(events)).toEqual(['accepted', 'attempt', 'retry', 'attempt', 'failover', 'attempt']);
    expect(events[2]).toMatchObject({
      connector: 'twilio',
      errorCode: 'provider_unavailable',
      providerCode: '20500',
      errorMessage: 'Twilio: Internal Server Error',
    });
    expect(Date.parse(events[2]!.retryAt as string)).toBeGreaterThan(Date.parse(events[2]!.at as string));
    expect(events[5]).toMatchObject({
      connector: 'console',
      status: 'delivered',
      connectorId: expect.stringMatching(/^con_/),
    });
    expect(events[4]).toMatchObject({
      connector: 'twilio',
      errorCode: 'provider_unavailable',
      toConnectorId: events[5]!.connectorId,
    });
  });

  it('shows the relay giving up with a failed event', async () => {
    fakeTwilio.reply({ status: 400, body: { code: 21614, message: 'To number is not a mobile number', status: 400 } });
    const id = await send({ to: number(), channel: 'sms' });
    await waitForMessage(t, id, (m) => m.status === 'failed');
    const { body } = await asMember(id, viewer.accessToken);
    expect(types(body.events)).toEqual(['accepted', 'attempt', 'failed']);
    expect(body.events[2]).toMatchObject({
      channel: 'sms',
      connector: 'twilio',
      status: 'failed',
      errorCode: 'invalid_recipient',
      providerCode: '21614',
    });
  });

  it('keeps the reduced, masked view for a public key: no attempts, no events', async () => {
    twilioAccepts();
    const to = '+212612345678';
    const sent = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { template: 'order_update', to, params: { order: 'A-1001', eta: 'tomorrow' } },
    });
    expect(sent.status).toBe(202);
    await waitForMessage(t, sent.body.id, (m) => m.status === 'sent');
    const res = await call(t, 'GET', `/v1/messages/${sent.body.id}`, { key: t.demo.publicKey, origin: DEMO_ORIGIN });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'sent', to: '+********5678', providerMessageId: null });
    expect(res.body.attempts).toBeUndefined();
    expect(res.body.events).toBeUndefined();
  });

  it('answers 404 for another project’s message, to keys and members alike', async () => {
    const other = await createProject(t.relay.store, { name: 'Other' }, t.clock.now);
    const theirs = messageRecord(`msg_${'o'.repeat(29)}`, other.id, 'key_other', { createdAt: t.clock.now });
    await t.relay.store.messages.enqueue({ message: theirs, dueAt: t.clock.now + 365 * 24 * 3600 * 1000 });
    for (const res of [
      await call(t, 'GET', `/v1/messages/${theirs.id}`, { key: t.demo.secretKey }),
      await asMember(theirs.id, owner.accessToken),
      await asMember(theirs.id, viewer.accessToken, 'query'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('message_not_found');
    }
    // Named by its own project, the owner reads it (the account owns both).
    const own = await call(t, 'GET', `/v1/messages/${theirs.id}`, {
      key: owner.accessToken,
      headers: { 'messagejs-project': other.id },
    });
    expect(own.status).toBe(200);
    expect(types(own.body.events)).toEqual(['accepted']);
  });
});
