import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  parseWhatsAppStatuses,
  toTemplateParameters,
  toWhatsAppPayload,
  verifyWhatsAppSignature,
  whatsAppCloudConnector,
} from '../../src/providers/whatsapp-cloud.js';
import { ConnectorError, type OutboundMessage, type WebhookRequest } from '../../src/providers/types.js';
import { rejection, sendContext, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';

const config = { phoneNumberId: '106540352242922', apiVersion: 'v21.0' };
const credentials = { accessToken: 'EAAG-test-token', appSecret: 'app-secret', verifyToken: 'verify-me' };
const message: OutboundMessage = {
  id: 'msg_1',
  projectId: 'prj_1',
  channel: 'whatsapp',
  to: '+16505551234',
  text: 'Your order has shipped',
};
const accepted = {
  body: {
    messaging_product: 'whatsapp',
    contacts: [{ input: '+16505551234', wa_id: '16505551234' }],
    messages: [{ id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI' }],
  },
};

describe('toWhatsAppPayload', () => {
  it('builds a text message', () => {
    expect(toWhatsAppPayload(message)).toEqual({
      messaging_product: 'whatsapp',
      to: '+16505551234',
      type: 'text',
      text: { body: 'Your order has shipped' },
    });
  });

  it('builds a template message with body parameters in order', () => {
    const payload = toWhatsAppPayload({
      ...message,
      template: {
        name: 'shipping',
        params: { 2: 'tomorrow', 1: 'Ada' },
        provider: { name: 'order_shipped', language: 'en_US' },
      },
    });
    expect(payload).toEqual({
      messaging_product: 'whatsapp',
      to: '+16505551234',
      type: 'template',
      template: {
        name: 'order_shipped',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ada' },
              { type: 'text', text: 'tomorrow' },
            ],
          },
        ],
      },
    });
  });

  it('omits components for a template without parameters', () => {
    const payload = toWhatsAppPayload({
      ...message,
      template: { name: 'hello', params: {}, provider: { name: 'hello_world', language: 'en_US' } },
    });
    expect(payload).toEqual({
      messaging_product: 'whatsapp',
      to: '+16505551234',
      type: 'template',
      template: { name: 'hello_world', language: { code: 'en_US' } },
    });
  });

  it('sends a relay template without a provider template as text', () => {
    expect(toWhatsAppPayload({ ...message, template: { name: 'shipping', params: { name: 'Ada' } } })).toMatchObject({
      type: 'text',
    });
  });
});

describe('toTemplateParameters', () => {
  it('orders positional parameters by number, not by insertion', () => {
    expect(toTemplateParameters({ 10: 'j', 2: 'b', 1: 'a' }).map((p) => p.text)).toEqual(['a', 'b', 'j']);
  });

  it('names named parameters, in insertion order, and stringifies numbers', () => {
    expect(toTemplateParameters({ first_name: 'Ada', total: 42 })).toEqual([
      { type: 'text', parameter_name: 'first_name', text: 'Ada' },
      { type: 'text', parameter_name: 'total', text: '42' },
    ]);
  });
});

describe('whatsapp-cloud.send', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reply(accepted));
  const connector = () => whatsAppCloudConnector.create({ config, baseUrl: fake.url });

  it('POSTs JSON to /{version}/{phone-number-id}/messages with the Bearer token and returns the wamid', async () => {
    const result = await connector().send(message, credentials, sendContext());
    expect(result).toEqual({ providerMessageId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI', status: 'sent' });
    const request = fake.last();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v21.0/106540352242922/messages');
    expect(request.headers.authorization).toBe('Bearer EAAG-test-token');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({
      messaging_product: 'whatsapp',
      to: '+16505551234',
      type: 'text',
      text: { body: 'Your order has shipped' },
    });
  });

  it('uses the configured API version, v21.0 by default', async () => {
    await whatsAppCloudConnector
      .create({ config: whatsAppCloudConnector.configSchema.parse({ phoneNumberId: '1' }), baseUrl: fake.url })
      .send(message, credentials, sendContext());
    expect(fake.last().url).toBe('/v21.0/1/messages');
    await whatsAppCloudConnector
      .create({ config: { phoneNumberId: '1', apiVersion: 'v23.0' }, baseUrl: fake.url })
      .send(message, credentials, sendContext());
    expect(fake.last().url).toBe('/v23.0/1/messages');
  });

  it.each([
    ['131047 outside the 24-hour window', 400, 131047, 'permanent', 'outside_session_window'],
    ['190 expired token', 401, 190, 'permanent', 'provider_auth_failed'],
    ['131026 undeliverable', 400, 131026, 'permanent', 'invalid_recipient'],
    ['130429 throughput reached', 400, 130429, 'transient', 'provider_rate_limited'],
    ['131056 pair rate limit', 400, 131056, 'transient', 'provider_rate_limited'],
    ['131050 stopped marketing messages', 400, 131050, 'permanent', 'recipient_opted_out'],
    ['131016 service unavailable', 503, 131016, 'transient', 'provider_unavailable'],
    ['100 invalid parameter', 400, 100, 'permanent', 'provider_rejected'],
    ['an unknown 5xx', 502, 999999, 'transient', 'provider_unavailable'],
  ] as const)('maps %s to %s %s', async (_name, status, code, kind, relayCode) => {
    fake.reply({
      status,
      body: { error: { message: `(#${code}) something`, type: 'OAuthException', code, fbtrace_id: 'A1' } },
    });
    const error = await rejection(connector().send(message, credentials, sendContext()));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind, code: relayCode, providerCode: String(code) });
  });

  it('maps an HTTP 429 without a Graph code to a rate limit with Retry-After', async () => {
    fake.reply({ status: 429, headers: { 'retry-after': '3' }, body: 'slow down' });
    const error = await rejection(connector().send(message, credentials, sendContext()));
    expect(error).toMatchObject({
      kind: 'transient',
      code: 'provider_rate_limited',
      retryAfterMs: 3000,
      providerCode: '429',
    });
  });

  it('times out with the worker signal', async () => {
    fake.reply({ ...accepted, delayMs: 5000 });
    const error = await rejection(
      connector().send(message, credentials, sendContext({ signal: AbortSignal.timeout(100) })),
    );
    expect(error).toMatchObject({ kind: 'transient', code: 'provider_timeout' });
  });
});

describe('whatsapp-cloud.test', () => {
  it('reads the phone number, the cheapest authenticated call', async () => {
    const fake = await startFakeProvider();
    fake.reply({ body: { verified_name: 'Acme', display_phone_number: '+1 650-555-1234', id: config.phoneNumberId } });
    const connector = whatsAppCloudConnector.create({ config, baseUrl: fake.url });
    const result = await connector.test!(credentials, { signal: new AbortController().signal });
    expect(result.detail).toContain('Acme');
    expect(fake.last()).toMatchObject({ method: 'GET', url: '/v21.0/106540352242922' });
    expect(fake.last().headers.authorization).toBe('Bearer EAAG-test-token');
    await fake.close();
  });
});

describe('whatsapp-cloud webhooks', () => {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA_ID',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '16505551111', phone_number_id: config.phoneNumberId },
              statuses: [
                { id: 'wamid.A', status: 'delivered', timestamp: '1700000000', recipient_id: '16505551234' },
                {
                  id: 'wamid.B',
                  status: 'failed',
                  timestamp: '1700000060',
                  recipient_id: '16505551234',
                  errors: [{ code: 131047, title: 'Re-engagement message' }],
                },
                { id: 'wamid.C', status: 'read', timestamp: '1700000120', recipient_id: '16505551234' },
              ],
            },
          },
        ],
      },
    ],
  });
  // Computed independently of the connector: HMAC-SHA256(appSecret, raw body), as Meta documents.
  const signature = `sha256=${createHmac('sha256', credentials.appSecret).update(body).digest('hex')}`;
  const request = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
    method: 'POST',
    url: 'https://relay.example/hooks/whatsapp',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    query: {},
    rawBody: Buffer.from(body),
    ...overrides,
  });
  const connector = whatsAppCloudConnector.create({ config });

  it('accepts a body signed with the app secret', () => {
    expect(connector.verifyWebhook!(request(), credentials)).toBe(true);
  });

  it.each([
    ['a tampered body', { rawBody: Buffer.from(body.replace('delivered', 'read')) }],
    ['a missing header', { headers: {} }],
    ['a header without sha256=', { headers: { 'x-hub-signature-256': signature.slice('sha256='.length) } }],
    ['a truncated signature', { headers: { 'x-hub-signature-256': signature.slice(0, -2) } }],
  ])('refuses %s', (_name, overrides) => {
    expect(connector.verifyWebhook!(request(overrides), credentials)).toBe(false);
  });

  it('refuses everything without an app secret', () => {
    expect(connector.verifyWebhook!(request(), { accessToken: 'x' })).toBe(false);
    expect(verifyWhatsAppSignature('other-secret', Buffer.from(body), signature)).toBe(false);
  });

  it('answers the subscription handshake only with the right verify token', () => {
    const handshake = (query: Record<string, string>) =>
      connector.handshake!(request({ method: 'GET', query, rawBody: Buffer.alloc(0) }), credentials);
    expect(handshake({ 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1158201444' })).toBe(
      '1158201444',
    );
    expect(
      handshake({ 'hub.mode': 'subscribe', 'hub.verify_token': 'wrong', 'hub.challenge': '1158201444' }),
    ).toBeNull();
    expect(
      handshake({ 'hub.mode': 'unsubscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1158201444' }),
    ).toBeNull();
    expect(
      connector.handshake!(
        request({ query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1' } }),
        { accessToken: 'x' },
      ),
    ).toBeNull();
  });

  it('reads statuses with their error code and time', () => {
    expect(connector.parseStatus!(request())).toEqual([
      {
        providerMessageId: 'wamid.A',
        status: 'delivered',
        errorCode: null,
        providerStatus: 'delivered',
        at: 1_700_000_000_000,
      },
      {
        providerMessageId: 'wamid.B',
        status: 'failed',
        errorCode: '131047',
        providerStatus: 'failed',
        at: 1_700_000_060_000,
      },
      { providerMessageId: 'wamid.C', status: 'read', errorCode: null, providerStatus: 'read', at: 1_700_000_120_000 },
    ]);
  });

  it('reads nothing from message webhooks or bodies that are not JSON', () => {
    expect(
      parseWhatsAppStatuses({
        entry: [{ changes: [{ value: { messages: [{ id: 'wamid.in', text: { body: 'hi' } }] } }] }],
      }),
    ).toEqual([]);
    expect(connector.parseStatus!(request({ rawBody: Buffer.from('not json') }))).toEqual([]);
  });
});
