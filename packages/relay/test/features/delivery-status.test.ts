import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { addConnector } from '@messagejs/relay';
import { call, startRelay, waitForMessage, type TestRelay, fetchChecked } from '../helpers/start-relay.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';

const PUBLIC_URL = 'https://relay.example.com';
const AUTH_TOKEN = 'twilio-auth-token-0123456789abcdef';
const APP_SECRET = 'meta-app-secret-0123456789';
let t: TestRelay;
let fakeTwilio: FakeProvider;
let fakeMeta: FakeProvider;
let twilioId: string;
let whatsappId: string;

beforeAll(async () => {
  fakeTwilio = await startFakeProvider();
  fakeMeta = await startFakeProvider();
  let n = 0;
  fakeTwilio.reply(() => ({ status: 201, body: { sid: `SM${String(++n).padStart(32, '0')}`, status: 'queued' } }));
  fakeMeta.reply(() => ({ status: 200, body: { messaging_product: 'whatsapp', messages: [{ id: `wamid.${++n}` }] } }));
  t = await startRelay({
    env: { MESSAGEJS_PUBLIC_URL: PUBLIC_URL },
    deps: { connectorBaseUrls: { twilio: fakeTwilio.url, 'whatsapp-cloud': fakeMeta.url } },
  });
  const common = { projectId: t.demo.projectId, priority: 1 } as const;
  twilioId = (
    await addConnector(
      t.relay.store,
      t.relay.sealer,
      {
        ...common,
        type: 'twilio',
        channels: ['sms'],
        config: { from: '+15005550006' },
        credentials: { accountSid: `AC${'a'.repeat(32)}`, authToken: AUTH_TOKEN },
      },
      Date.now(),
    )
  ).id;
  whatsappId = (
    await addConnector(
      t.relay.store,
      t.relay.sealer,
      {
        ...common,
        type: 'whatsapp-cloud',
        channels: ['whatsapp'],
        config: { phoneNumberId: '1234567890' },
        credentials: { accessToken: 'EAAG-test', appSecret: APP_SECRET, verifyToken: 'verify-me' },
      },
      Date.now(),
    )
  ).id;
});
afterAll(async () => {
  await t.cleanup();
  await fakeTwilio.close();
  await fakeMeta.close();
});

let nextNumber = 10;
async function sendVia(channel: 'sms' | 'whatsapp', to = `+336123456${nextNumber++}`) {
  const { body } = await call(t, 'POST', '/v1/messages', {
    key: t.demo.secretKey,
    body: { to, text: 'status please', channel },
  });
  return waitForMessage(t, body.id, (m) => m.status === 'sent');
}

/** Posts a Twilio status callback signed the way Twilio signs it (URL + sorted params, HMAC-SHA1). */
async function twilioCallback(params: Record<string, string>, signature?: string) {
  const path = `/v1/hooks/${twilioId}/status`;
  const sig = signature ?? twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}${path}`, params);
  return fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
    body: new URLSearchParams(params).toString(),
  });
}

describe('Twilio status callbacks', () => {
  it('sets StatusCallback to the relay hook URL and moves the message to delivered', async () => {
    const message = await sendVia('sms');
    expect(fakeTwilio.last().form.get('StatusCallback')).toBe(`${PUBLIC_URL}/v1/hooks/${twilioId}/status`);
    const sid = message.providerMessageId;
    const res = await twilioCallback({
      MessageSid: sid,
      MessageStatus: 'delivered',
      AccountSid: `AC${'a'.repeat(32)}`,
    });
    expect(res.status).toBe(200);
    const after = await waitForMessage(t, message.id, (m) => m.status === 'delivered');
    expect(after.deliveredAt).not.toBeNull();
  });

  it('still finds a message by an earlier provider id after it cascaded to another provider', async () => {
    const { body } = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: {
        to: `+336123456${nextNumber++}`,
        text: 'status please',
        channel: 'sms',
        channels: ['sms', 'whatsapp'],
        fallbackAfter: 3600,
      },
    });
    const onSms = await waitForMessage(t, body.id, (m) => m.status === 'sent');
    const sid = onSms.providerMessageId as string;
    expect(sid).toMatch(/^SM/);
    // Twilio reports a failure: the pending fallback runs now and WhatsApp takes over.
    expect((await twilioCallback({ MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30003' })).status).toBe(
      200,
    );
    const onWhatsApp = await waitForMessage(t, body.id, (m) => m.channel === 'whatsapp' && m.status === 'sent');
    expect(onWhatsApp.providerMessageId).toMatch(/^wamid\./);
    expect((await t.relay.store.messages.getByProviderId(whatsappId, onWhatsApp.providerMessageId))?.id).toBe(body.id);
    expect((await t.relay.store.messages.getByProviderId(twilioId, sid))?.id).toBe(body.id);
    expect(await t.relay.store.messages.getByProviderId(twilioId, 'SM-unknown')).toBeNull();
  });

  it('never moves a status backwards when callbacks arrive out of order', async () => {
    const message = await sendVia('sms');
    const sid = message.providerMessageId;
    await twilioCallback({ MessageSid: sid, MessageStatus: 'delivered' });
    await twilioCallback({ MessageSid: sid, MessageStatus: 'sent' });
    await twilioCallback({ MessageSid: sid, MessageStatus: 'queued' });
    expect((await waitForMessage(t, message.id, () => true)).status).toBe('delivered');
  });

  it('records undelivered with the provider error code, and 21610 opts the number out', async () => {
    const message = await sendVia('sms', '+33612345678');
    await twilioCallback({ MessageSid: message.providerMessageId, MessageStatus: 'undelivered', ErrorCode: '21610' });
    const after = await waitForMessage(t, message.id, (m) => m.status === 'undelivered');
    expect(after.errorCode).toBe('21610');
    const again = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+33612345678', text: 'again', channel: 'sms' },
    });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('recipient_opted_out');
  });

  it('refuses a bad or missing signature with 403 and changes nothing', async () => {
    const message = await sendVia('sms');
    const forged = await twilioCallback(
      { MessageSid: message.providerMessageId, MessageStatus: 'failed' },
      'bm90LWEtc2lnbmF0dXJl',
    );
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    const unsigned = await fetchChecked(`${t.url}/v1/hooks/${twilioId}/status`, {
      method: 'POST',
      body: `MessageSid=${message.providerMessageId}&MessageStatus=failed`,
    });
    expect(unsigned.status).toBe(403);
    expect((await waitForMessage(t, message.id, () => true)).status).toBe('sent');
  });

  it('answers 404 for an unknown connector', async () => {
    const res = await fetchChecked(`${t.url}/v1/hooks/con_0000000000000000000000/status`, {
      method: 'POST',
      body: 'x=1',
    });
    expect(res.status).toBe(404);
  });
});

describe('WhatsApp Cloud API status webhooks', () => {
  const post = (payload: unknown, secret = APP_SECRET) => {
    const body = JSON.stringify(payload);
    return fetch(`${t.url}/v1/hooks/${whatsappId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
    });
  };
  const statusPayload = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              statuses: [
                { id, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: '33612345678', ...extra },
              ],
            },
          },
        ],
      },
    ],
  });

  it('answers the hub.challenge handshake only with the right verify token', async () => {
    const ok = await fetchChecked(
      `${t.url}/v1/hooks/${whatsappId}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const bad = await fetchChecked(
      `${t.url}/v1/hooks/${whatsappId}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`,
    );
    expect(bad.status).toBe(403);
  });

  it('moves a message to read, and keeps read when a late delivered arrives', async () => {
    const message = await sendVia('whatsapp');
    expect(fakeMeta.last().url).toBe('/v21.0/1234567890/messages');
    expect((await post(statusPayload(message.providerMessageId, 'read'))).status).toBe(200);
    await waitForMessage(t, message.id, (m) => m.status === 'read');
    await post(statusPayload(message.providerMessageId, 'delivered'));
    expect((await waitForMessage(t, message.id, () => true)).status).toBe('read');
  });

  it('refuses a body signed with another secret', async () => {
    const message = await sendVia('whatsapp');
    const res = await post(
      statusPayload(message.providerMessageId, 'failed', { errors: [{ code: 131047 }] }),
      'wrong-secret',
    );
    expect(res.status).toBe(403);
    expect((await waitForMessage(t, message.id, () => true)).status).toBe('sent');
  });
});
