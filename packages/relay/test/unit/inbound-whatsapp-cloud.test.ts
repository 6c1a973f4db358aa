import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../src/providers/types.js';
import { whatsAppCloudConnector } from '../../src/providers/whatsapp-cloud.js';

// Payloads as Meta documents the `messages` webhook
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages),
// signed as Meta signs them: `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body under the app secret>`.
const appSecret = 'inbound-test-app-secret';
const credentials = { accessToken: 'EAAtest', appSecret };
const phoneNumberId = '106540352242922';
const connector = whatsAppCloudConnector.create({ config: { phoneNumberId, apiVersion: 'v21.0' } });

const metadata = { display_phone_number: '15550783881', phone_number_id: phoneNumberId };
const contacts = [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }];
const wamid = (n: number) => `wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEw${n}RgA=`;

/** The documented webhook: one change of field `messages` with `value`. */
function webhook(value: Record<string, unknown>, changes: unknown[] = []) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [{ value: { messaging_product: 'whatsapp', ...value }, field: 'messages' }, ...changes],
      },
    ],
  };
}

function signed(body: unknown, secret = appSecret): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(body));
  return {
    method: 'POST',
    url: `https://relay.example/v1/hooks/con_x`,
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`,
    },
    query: {},
    rawBody,
  };
}

const textMessage = {
  from: '16505551234',
  id: wamid(1),
  timestamp: '1749416383',
  type: 'text',
  text: { body: 'Does it come in another color?' },
};

describe('whatsapp-cloud.parseInbound', () => {
  it('reads the documented text message', () => {
    const request = signed(webhook({ metadata, contacts, messages: [textMessage] }));
    expect(connector.verifyWebhook!(request, credentials)).toBe(true);
    expect(connector.parseInbound!(request)).toEqual([
      {
        providerMessageId: wamid(1),
        channel: 'whatsapp',
        from: '+16505551234',
        to: '+15550783881',
        text: 'Does it come in another color?',
        media: [],
        at: 1749416383000,
        senderName: 'Sheena Nelson',
      },
    ]);
  });

  it('reads several messages of one webhook, by type', () => {
    const base = { from: '16505551234', timestamp: '1749416390' };
    const messages = [
      textMessage,
      {
        ...base,
        id: wamid(2),
        type: 'image',
        image: { caption: 'This one?', mime_type: 'image/jpeg', sha256: 'ZmFrZQ==', id: '1003383421387256' },
      },
      {
        ...base,
        id: wamid(3),
        type: 'audio',
        audio: { mime_type: 'audio/ogg; codecs=opus', sha256: 'ZmFrZQ==', id: '4' },
      },
      {
        ...base,
        id: wamid(4),
        type: 'document',
        document: { caption: 'Invoice', filename: 'inv.pdf', mime_type: 'application/pdf', sha256: 'x', id: '5' },
      },
      {
        ...base,
        id: wamid(5),
        type: 'button',
        context: { from: '15550783881', id: wamid(90) },
        button: { payload: 'STOP_PROMOTIONS', text: 'Stop promotions' },
      },
      {
        ...base,
        id: wamid(6),
        type: 'interactive',
        interactive: { type: 'button_reply', button_reply: { id: 'change', title: 'Change' } },
      },
      {
        ...base,
        id: wamid(7),
        type: 'interactive',
        interactive: { type: 'list_reply', list_reply: { id: 'row-2', title: 'Tomorrow', description: 'After 5 pm' } },
      },
      { ...base, id: wamid(8), type: 'location', location: { latitude: 37.48, longitude: -122.14 } },
    ];
    const request = signed(webhook({ metadata, contacts, messages }));
    expect(connector.verifyWebhook!(request, credentials)).toBe(true);
    const parsed = connector.parseInbound!(request);
    expect(parsed.map(({ providerMessageId, text, media }) => ({ providerMessageId, text, media }))).toEqual([
      { providerMessageId: wamid(1), text: 'Does it come in another color?', media: [] },
      {
        providerMessageId: wamid(2),
        text: 'This one?',
        media: [{ url: null, contentType: 'image/jpeg', providerMediaId: '1003383421387256' }],
      },
      {
        providerMessageId: wamid(3),
        text: '',
        media: [{ url: null, contentType: 'audio/ogg; codecs=opus', providerMediaId: '4' }],
      },
      {
        providerMessageId: wamid(4),
        text: 'Invoice',
        media: [{ url: null, contentType: 'application/pdf', providerMediaId: '5' }],
      },
      { providerMessageId: wamid(5), text: 'Stop promotions', media: [] },
      { providerMessageId: wamid(6), text: 'Change', media: [] },
      { providerMessageId: wamid(7), text: 'Tomorrow', media: [] },
      // A type the relay does not read still counts as the user writing.
      { providerMessageId: wamid(8), text: '', media: [] },
    ]);
    expect(parsed.every((message) => message.from === '+16505551234' && message.senderName === 'Sheena Nelson')).toBe(
      true,
    );
    expect(parsed[1]!.at).toBe(1749416390000);
  });

  it('names each sender of a webhook from its own contact', () => {
    const request = signed(
      webhook({
        metadata,
        contacts: [...contacts, { profile: { name: 'Ade Bello' }, wa_id: '2348012345678' }],
        messages: [textMessage, { ...textMessage, id: wamid(2), from: '2348012345678', text: { body: 'Hi' } }],
      }),
    );
    expect(connector.parseInbound!(request).map((m) => [m.from, m.senderName])).toEqual([
      ['+16505551234', 'Sheena Nelson'],
      ['+2348012345678', 'Ade Bello'],
    ]);
  });

  it('leaves out system messages and another phone number’s messages', () => {
    const otherNumber = {
      value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550001111', phone_number_id: '999999999999999' },
        contacts,
        messages: [{ ...textMessage, id: wamid(9) }],
      },
      field: 'messages',
    };
    const system = {
      from: '16505551234',
      id: wamid(3),
      timestamp: '1749416400',
      type: 'system',
      system: { body: 'User Sheena Nelson changed from 16505551234 to 16505559999', type: 'user_changed_number' },
    };
    const request = signed(webhook({ metadata, contacts, messages: [textMessage, system] }, [otherNumber]));
    expect(connector.parseInbound!(request).map((m) => m.providerMessageId)).toEqual([wamid(1)]);
  });

  it('keeps statuses and incoming messages apart', () => {
    const status = signed(
      webhook({
        metadata,
        statuses: [
          {
            id: wamid(50),
            status: 'delivered',
            timestamp: '1749416500',
            recipient_id: '16505551234',
            pricing: { billable: true, pricing_model: 'PMP', category: 'utility' },
          },
        ],
      }),
    );
    expect(connector.verifyWebhook!(status, credentials)).toBe(true);
    expect(connector.parseInbound!(status)).toEqual([]);
    expect(connector.parseStatus!(status)).toMatchObject([{ providerMessageId: wamid(50), status: 'delivered' }]);

    const inbound = signed(webhook({ metadata, contacts, messages: [textMessage] }));
    expect(connector.parseStatus!(inbound)).toEqual([]);
  });

  it('refuses a forged or tampered webhook', () => {
    const body = webhook({ metadata, contacts, messages: [textMessage] });
    expect(connector.verifyWebhook!(signed(body, 'not-the-app-secret'), credentials)).toBe(false);
    const request = signed(body);
    const tampered = { ...request, rawBody: Buffer.from(request.rawBody.toString().replace('color', 'colour')) };
    expect(connector.verifyWebhook!(tampered, credentials)).toBe(false);
  });

  it('reads nothing from a body that is not JSON', () => {
    const request = { ...signed({}), rawBody: Buffer.from('not json') };
    expect(connector.parseInbound!(request)).toEqual([]);
  });
});
