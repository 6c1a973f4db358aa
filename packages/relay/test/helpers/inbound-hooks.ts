import { createHash, createHmac } from 'node:crypto';
import twilio from 'twilio';
import { fetchChecked, type TestRelay } from './start-relay.js';

/**
 * Provider webhooks carrying inbound messages, signed the way each provider documents it — with
 * Twilio's own helper, and node:crypto for the others — never with the relay's code. Each post is
 * checked against the relay's OpenAPI document (`fetchChecked`).
 */

/** A hook's answer: its status, content type and body (parsed when JSON). */
export interface HookAnswer {
  status: number;
  contentType: string | null;
  text: string;
  json: any;
}

async function post(t: Pick<TestRelay, 'url'>, path: string, init: RequestInit): Promise<HookAnswer> {
  const res = await fetchChecked(`${t.url}${path}`, { method: 'POST', ...init });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}

/**
 * Twilio's incoming-message webhook: a form POST signed with `X-Twilio-Signature`, the HMAC-SHA1
 * of the public URL and the sorted form fields under the auth token
 * (https://www.twilio.com/docs/usage/webhooks/webhooks-security), computed by `twilio`'s own helper.
 */
export function postTwilio(
  t: Pick<TestRelay, 'url'>,
  hook: { connectorId: string; publicUrl: string; authToken: string },
  params: Record<string, string>,
  signature?: string | null,
): Promise<HookAnswer> {
  const path = `/v1/hooks/${hook.connectorId}`;
  const sig =
    signature === undefined
      ? twilio.getExpectedTwilioSignature(hook.authToken, `${hook.publicUrl}${path}`, params)
      : signature;
  return post(t, path, {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(sig !== null && { 'x-twilio-signature': sig }),
    },
    body: new URLSearchParams(params).toString(),
  });
}

/** The fields Twilio posts for an incoming SMS (https://www.twilio.com/docs/messaging/guides/webhook-request). */
export function twilioSms(sid: string, from: string, body: string, extra: Record<string, string> = {}) {
  return {
    ToCountry: 'US',
    SmsMessageSid: sid,
    NumMedia: '0',
    SmsSid: sid,
    SmsStatus: 'received',
    Body: body,
    To: '+15005550006',
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: `AC${'a'.repeat(32)}`,
    From: from,
    ApiVersion: '2010-04-01',
    ...extra,
  };
}

/**
 * A WhatsApp Cloud API webhook: JSON signed with `X-Hub-Signature-256: sha256=<hex>`, the
 * HMAC-SHA256 of the raw body under the app secret
 * (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads).
 */
export function postWhatsApp(
  t: Pick<TestRelay, 'url'>,
  hook: { connectorId: string; appSecret: string },
  body: unknown,
  signature?: string | null,
): Promise<HookAnswer> {
  const raw = JSON.stringify(body);
  const sig =
    signature === undefined ? `sha256=${createHmac('sha256', hook.appSecret).update(raw).digest('hex')}` : signature;
  return post(t, `/v1/hooks/${hook.connectorId}`, {
    headers: { 'content-type': 'application/json', ...(sig !== null && { 'x-hub-signature-256': sig }) },
    body: raw,
  });
}

/** A `messages` change as Meta sends it: one text message from `from` (digits, no `+`). */
export function whatsAppText(phoneNumberId: string, from: string, id: string, text: string, name = 'Ana') {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [{ from, id, timestamp: '1700000000', type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  };
}

/** A Telegram update, with `X-Telegram-Bot-Api-Secret-Token` (https://core.telegram.org/bots/api#setwebhook). */
export function postTelegram(
  t: Pick<TestRelay, 'url'>,
  connectorId: string,
  update: unknown,
  secret: string | null,
): Promise<HookAnswer> {
  return post(t, `/v1/hooks/${connectorId}`, {
    headers: {
      'content-type': 'application/json',
      ...(secret !== null && { 'x-telegram-bot-api-secret-token': secret }),
    },
    body: JSON.stringify(update),
  });
}

/**
 * A signed Vonage webhook (https://developer.vonage.com/en/getting-started/concepts/signing-messages),
 * `md5hash`: the parameters sorted by name, joined as `&name=value` (`&` and `=` in values as `_`),
 * the signature secret appended, MD5 in hex, sent as `sig` with the others as a form.
 */
export function postVonage(
  t: Pick<TestRelay, 'url'>,
  hook: { connectorId: string; signatureSecret: string },
  params: Record<string, string>,
  sig?: string,
): Promise<HookAnswer> {
  const signed = Object.keys(params)
    .sort()
    .map((key) => `&${key}=${params[key]!.replace(/[&=]/g, '_')}`)
    .join('');
  const digest =
    sig ??
    createHash('md5')
      .update(signed + hook.signatureSecret)
      .digest('hex');
  return post(t, `/v1/hooks/${hook.connectorId}`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...params, sig: digest }).toString(),
  });
}

/** The fields of a Vonage inbound SMS (https://developer.vonage.com/en/messaging/sms/guides/inbound-sms). */
export function vonageSms(messageId: string, msisdn: string, text: string) {
  return {
    msisdn,
    to: '447700900000',
    messageId,
    text,
    type: 'text',
    keyword: text.split(/\s+/)[0]!.toUpperCase(),
    'message-timestamp': '2024-01-01 12:00:00',
    timestamp: String(Math.floor(Date.now() / 1000)),
    nonce: 'a1b2c3d4-e5f6',
  };
}
