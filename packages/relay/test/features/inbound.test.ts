import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, fetchChecked, waitForIdle, waitForMessage } from '../helpers/start-relay.js';
import { setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';
import {
  postTelegram,
  postTwilio,
  postVonage,
  postWhatsApp,
  twilioSms,
  vonageSms,
  whatsAppText,
} from '../helpers/inbound-hooks.js';

/**
 * Messages in (issue 15), black-box over HTTP: each provider's webhook signed as it documents,
 * stored once, keywords acted on, answers given the provider's way (TwiML for Twilio, an outbound
 * message otherwise), `inbound.received` delivered with the user a phone mapping names.
 */

const PUBLIC_URL = 'https://relay.example.com';
const AUTH_TOKEN = 'twilio-auth-token-0123456789abcdef';
const APP_SECRET = 'meta-app-secret-0123456789';
const PHONE_NUMBER_ID = '1234567890';
const BOT_TOKEN = '123456789:AAH-test_bot-token';
const VONAGE_SECRET = 'vonage-signature-secret';

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let owner: Tokens;
let receiver: Receiver;
const fakes: Record<'twilio' | 'meta' | 'telegram' | 'vonage', FakeProvider> = {} as never;
const ids = { twilio: '', whatsapp: '', telegram: '', vonage: '' };
let project: string;
const as = () => ({ key: owner.accessToken });
const twilioHook = () => ({ connectorId: ids.twilio, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN });
const whatsAppHook = () => ({ connectorId: ids.whatsapp, appSecret: APP_SECRET });
/** Telegram's secret token as the relay derives it from the bot token (providers/telegram.ts), with node:crypto. */
const telegramSecret = createHmac('sha256', BOT_TOKEN)
  .update('messagejs telegram webhook secret v1')
  .digest('base64url');

/** The project's inbound messages, as a secret key reads them. */
async function inbox(query = '') {
  const res = await call(t, 'GET', `/v1/inbound${query}`, { key: t.demo.secretKey });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as any[];
}

const send = (to: string, channel = 'sms') =>
  call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { to, text: 'Hello again', channel } });

let sid = 0;
const nextSid = () => `SM${String(++sid).padStart(32, '0')}`;

async function connector(body: Record<string, unknown>): Promise<string> {
  const res = await call(t, 'POST', `${project}/connectors`, { ...as(), body: { priority: 1, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

beforeAll(async () => {
  receiver = await startReceiver();
  for (const name of ['twilio', 'meta', 'telegram', 'vonage'] as const) fakes[name] = await startFakeProvider();
  let n = 0;
  fakes.twilio.reply(() => ({ status: 201, body: { sid: `SM${String(++n).padStart(32, 'f')}`, status: 'queued' } }));
  fakes.meta.reply(() => ({
    status: 200,
    body: { messaging_product: 'whatsapp', messages: [{ id: `wamid.out${++n}` }] },
  }));
  fakes.telegram.reply(() => ({ status: 200, body: { ok: true, result: { message_id: ++n } } }));
  t = await startAccountsRelay({
    env: {
      MESSAGEJS_PUBLIC_URL: PUBLIC_URL,
      MESSAGEJS_ALLOW_PRIVATE_TARGETS: '127.0.0.1',
      MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on',
    },
    deps: {
      connectorBaseUrls: {
        twilio: fakes.twilio.url,
        'whatsapp-cloud': fakes.meta.url,
        telegram: fakes.telegram.url,
        vonage: fakes.vonage.url,
      },
      worker: { pollMs: 20, webhooks: { pollMs: 20 } },
    },
  });
  owner = await setUpOwner(t);
  project = `/v1/projects/${t.demo.projectId}`;
  ids.twilio = await connector({
    type: 'twilio',
    channels: ['sms'],
    config: { from: '+15005550006' },
    credentials: { accountSid: `AC${'a'.repeat(32)}`, authToken: AUTH_TOKEN },
  });
  ids.whatsapp = await connector({
    type: 'whatsapp-cloud',
    channels: ['whatsapp'],
    config: { phoneNumberId: PHONE_NUMBER_ID },
    credentials: { accessToken: 'EAAG-test', appSecret: APP_SECRET, verifyToken: 'verify-me' },
  });
  ids.telegram = await connector({
    type: 'telegram',
    channels: ['telegram'],
    config: {},
    credentials: { botToken: BOT_TOKEN },
  });
  ids.vonage = await connector({
    type: 'vonage',
    channels: ['sms'],
    priority: 9,
    config: { from: '447700900000' },
    credentials: { apiKey: 'key', apiSecret: 'secret', signatureSecret: VONAGE_SECRET },
  });
}, 60_000);

afterAll(async () => {
  await t?.cleanup();
  await receiver?.close();
  for (const fake of Object.values(fakes)) await fake?.close();
});

describe('Twilio SMS in', () => {
  it('stores an SMS once when Twilio posts it twice, and answers the same TwiML both times', async () => {
    const from = '+212612340101';
    const params = twilioSms(nextSid(), from, 'HELP');
    const first = await postTwilio(t, twilioHook(), params);
    const again = await postTwilio(t, twilioHook(), params);
    expect(first.status).toBe(200);
    expect(first.contentType).toMatch(/^text\/xml/);
    expect(first.text).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Message>Demo: reply STOP to unsubscribe, START to subscribe again.</Message></Response>`,
    );
    expect(again.text).toBe(first.text);
    const stored = await inbox(`?from=${encodeURIComponent(from)}`);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      direction: 'inbound',
      connectorId: ids.twilio,
      channel: 'sms',
      from,
      to: '+15005550006',
      text: 'HELP',
      keyword: 'help',
      providerMessageId: params.MessageSid,
      autoReply: 'Demo: reply STOP to unsubscribe, START to subscribe again.',
      replyMessageId: null,
      userId: null,
    });
    expect((await call(t, 'GET', `/v1/inbound/${stored[0].id}`, { key: t.demo.secretKey })).body).toEqual(stored[0]);
  });

  it('opts the sender out on STOP (sends to them: 403 recipient_opted_out), and back in on START', async () => {
    const from = '+212612340102';
    const stop = await postTwilio(t, twilioHook(), twilioSms(nextSid(), from, 'Stop'));
    expect(stop.text).toContain('<Message>You are unsubscribed from Demo');
    const check = await call(t, 'GET', `${project}/opt-outs/${encodeURIComponent(from)}`, as());
    expect(check.body).toMatchObject({ optedOut: true, source: 'provider', reason: 'Replied STOP' });
    const refused = await send(from);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('recipient_opted_out');
    // The relay's clock stands still: a second on, so the list's newest-first order is the replies' order.
    t.clock.advance(1000);
    const start = await postTwilio(t, twilioHook(), twilioSms(nextSid(), from, 'START'));
    expect(start.text).toContain('<Message>You are subscribed to Demo again.');
    expect((await send(from)).status).toBe(202);
    expect((await inbox(`?from=${encodeURIComponent(from)}`)).map((m) => m.keyword)).toEqual(['start', 'stop']);
  });

  it('reads keywords without case or accents: " arrêt " opts out and is answered in French', async () => {
    const from = '+212612340103';
    const res = await postTwilio(t, twilioHook(), twilioSms(nextSid(), from, '  arrêt '));
    expect(res.text).toContain('<Message>Vous êtes désabonné(e) de Demo');
    expect((await send(from)).body.error.code).toBe('recipient_opted_out');
    // A keyword inside a sentence is no keyword.
    const sentence = await postTwilio(t, twilioHook(), twilioSms(nextSid(), '+212612340104', 'please stop by'));
    expect(sentence.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect((await send('+212612340104')).status).toBe(202);
  });

  it('records an opt-out Twilio already answered (OptOutType=STOP) and does not answer it again', async () => {
    const from = '+212612340105';
    const res = await postTwilio(t, twilioHook(), twilioSms(nextSid(), from, 'STOP', { OptOutType: 'STOP' }));
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect((await send(from)).body.error.code).toBe('recipient_opted_out');
    expect((await inbox(`?from=${encodeURIComponent(from)}`))[0]).toMatchObject({ keyword: 'stop', autoReply: null });
  });

  it('answers one sender at most 5 times an hour', async () => {
    const from = '+212612340106';
    const answers: string[] = [];
    for (let i = 0; i < 6; i++)
      answers.push((await postTwilio(t, twilioHook(), twilioSms(nextSid(), from, 'info'))).text);
    expect(answers.slice(0, 5).every((a) => a.includes('<Message>'))).toBe(true);
    expect(answers[5]).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(await inbox(`?from=${encodeURIComponent(from)}`)).toHaveLength(6);
  });

  it('still takes status callbacks on the same URL, answered as JSON', async () => {
    const sent = await send('+212612340107');
    const message = await waitForMessage(t, sent.body.id, (m) => m.status === 'sent');
    const res = await postTwilio(t, twilioHook(), {
      MessageSid: message.providerMessageId,
      MessageStatus: 'delivered',
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ received: true });
    await waitForMessage(t, sent.body.id, (m) => m.status === 'delivered');
  });
});

describe('WhatsApp Cloud API in', () => {
  it('stores a signed message and sends the matching auto-reply as an outbound message of the history', async () => {
    const rule = await call(t, 'POST', `${project}/inbound-rules`, {
      ...as(),
      body: { kind: 'regex', pattern: 'opening\\s+hours?', reply: 'We are open 9:00 to 18:00.' },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const body = whatsAppText(PHONE_NUMBER_ID, '212612340201', 'wamid.in1', 'What are your OPENING  hours?');
    const res = await postWhatsApp(t, whatsAppHook(), body);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ received: true });
    const [stored] = await inbox('?channel=whatsapp&from=%2B212612340201');
    expect(stored).toMatchObject({
      channel: 'whatsapp',
      from: '+212612340201',
      to: '+15550783881',
      senderName: 'Ana',
      text: 'What are your OPENING  hours?',
      sentAt: '2023-11-14T22:13:20.000Z',
      autoReply: 'We are open 9:00 to 18:00.',
      replyMessageId: expect.stringMatching(/^msg_/),
    });
    const reply = await waitForMessage(t, stored.replyMessageId, (m) => m.status === 'sent');
    expect(reply).toMatchObject({ channel: 'whatsapp', to: '+212612340201' });
    expect(reply.attempts.map((a: any) => a.connector)).toEqual(['whatsapp-cloud']);
    const sentToMeta = fakes.meta.requests.filter((r) => r.url === `/v21.0/${PHONE_NUMBER_ID}/messages`);
    expect(sentToMeta.at(-1)!.json).toEqual({
      messaging_product: 'whatsapp',
      to: '+212612340201',
      type: 'text',
      text: { body: 'We are open 9:00 to 18:00.' },
    });
    const history = await call(t, 'GET', '/v1/messages?to=%2B212612340201', { key: t.demo.secretKey });
    expect(history.body.data.map((m: any) => [m.id, m.direction, m.body])).toEqual([
      [stored.replyMessageId, 'outbound', 'We are open 9:00 to 18:00.'],
    ]);
    // Meta retries the webhook: stored once, answered once.
    const count = fakes.meta.requests.length;
    expect((await postWhatsApp(t, whatsAppHook(), body)).status).toBe(200);
    await waitForIdle(t);
    expect(fakes.meta.requests.length).toBe(count);
    expect(await inbox('?from=%2B212612340201')).toHaveLength(1);
  });

  it('stores, without answering, a message from a sender the project does not send to', async () => {
    const body = whatsAppText(PHONE_NUMBER_ID, '4915112345678', 'wamid.in2', 'opening hours?');
    expect((await postWhatsApp(t, whatsAppHook(), body)).status).toBe(200);
    expect((await inbox('?from=%2B4915112345678'))[0]).toMatchObject({ autoReply: null, replyMessageId: null });
  });

  it('refuses a forged or missing signature with 403 invalid_signature and stores nothing', async () => {
    const body = whatsAppText(PHONE_NUMBER_ID, '212612340202', 'wamid.in3', 'hello');
    const forged = await postWhatsApp(t, whatsAppHook(), body, `sha256=${'0'.repeat(64)}`);
    const missing = await postWhatsApp(t, whatsAppHook(), body, null);
    for (const res of [forged, missing]) {
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('invalid_signature');
    }
    expect(await inbox('?from=%2B212612340202')).toEqual([]);
  });
});

describe('Telegram in', () => {
  const update = (id: number, text: string) => ({
    update_id: 900 + id,
    message: {
      message_id: id,
      date: 1_700_000_000,
      chat: { id: 777000111, type: 'private' },
      from: { id: 777000111, is_bot: false, first_name: 'Ana', last_name: 'B' },
      text,
    },
  });

  it('takes an update carrying the secret token, and refuses a wrong or missing one', async () => {
    const ok = await postTelegram(t, ids.telegram, update(1, 'Hi bot'), telegramSecret);
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ received: true });
    for (const secret of [`${telegramSecret.slice(0, -1)}x`, null]) {
      const refused = await postTelegram(t, ids.telegram, update(2, 'forged'), secret);
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('invalid_signature');
    }
    const stored = await inbox('?channel=telegram');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      from: '777000111',
      text: 'Hi bot',
      senderName: 'Ana B',
      providerMessageId: '777000111:1',
    });
  });
});

describe('Vonage in', () => {
  it('takes a signed inbound SMS and refuses a bad signature', async () => {
    const hook = { connectorId: ids.vonage, signatureSecret: VONAGE_SECRET };
    const ok = await postVonage(t, hook, vonageSms('0A0000000123ABCD1', '212612340401', 'Hello Vonage'));
    expect(ok.status).toBe(200);
    const bad = await postVonage(t, hook, vonageSms('0A0000000123ABCD2', '212612340401', 'forged'), 'f'.repeat(32));
    expect(bad.status).toBe(403);
    expect(bad.json.error.code).toBe('invalid_signature');
    const stored = await inbox(`?connectorId=${ids.vonage}`);
    expect(stored.map((m) => [m.from, m.to, m.text])).toEqual([['+212612340401', '+447700900000', 'Hello Vonage']]);
  });
});

describe('bad input on the hook URL', () => {
  it('refuses a forged or missing Twilio signature with 403 and stores nothing', async () => {
    const params = twilioSms(nextSid(), '+212612340501', 'forged');
    for (const signature of ['bm90LWEtc2lnbmF0dXJl', null]) {
      const res = await postTwilio(t, twilioHook(), params, signature);
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('invalid_signature');
    }
    expect(await inbox('?from=%2B212612340501')).toEqual([]);
  });

  it('answers an unknown connector 404, and a body over 1 MB 413', async () => {
    const unknown = await postTwilio(
      t,
      { ...twilioHook(), connectorId: 'con_0000000000000000000000' },
      twilioSms('SM1', '+2126', 'x'),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('connector_not_found');
    const big = await fetchChecked(`${t.url}/v1/hooks/${ids.twilio}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Body=${'a'.repeat(1_100_000)}`,
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('payload_too_large');
  });
});

describe('inbound.received', () => {
  it('is posted, signed, to an endpoint subscribed to it, naming the user a phone mapping routes the number to', async () => {
    const endpoint = await call(t, 'POST', `${project}/webhooks`, {
      ...as(),
      body: { url: `${receiver.url}/inbound`, events: ['inbound.received'] },
    });
    expect(endpoint.status).toBe(201);
    const mapping = await call(t, 'POST', `${project}/phone-mappings`, {
      ...as(),
      body: { phone: '+212612340601', userId: 'user-42', isPrimary: true },
    });
    expect(mapping.status, JSON.stringify(mapping.body)).toBe(201);
    const params = twilioSms(nextSid(), '+212612340601', 'Where is my order?');
    await postTwilio(t, twilioHook(), params);
    await postTwilio(t, twilioHook(), twilioSms(nextSid(), '+212612340602', 'Anyone there?'));
    await receiver.until((r) => r.filter((x) => x.path === '/inbound').length >= 2);
    const events = receiver.received
      .filter((x) => x.path === '/inbound')
      .map((r) => receiver.verified(r, endpoint.body.secret as string));
    const [stored] = await inbox('?from=%2B212612340601');
    const routed = events.find((e) => e.data.from === '+212612340601')!;
    expect(routed).toMatchObject({ type: 'inbound.received' });
    expect(routed.data).toEqual({ ...stored, projectId: undefined });
    expect(routed.data.userId).toBe('user-42');
    expect(events.find((e) => e.data.from === '+212612340602')!.data.userId).toBeNull();
    expect((await inbox('?userId=user-42')).map((m) => m.id)).toEqual([stored.id]);
  });
});
