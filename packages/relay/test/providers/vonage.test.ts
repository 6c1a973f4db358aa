import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  parseVonageReceipt,
  toVonageParams,
  verifyVonageSignature,
  vonageConnector,
} from '../../src/providers/vonage.js';
import { ConnectorError, type OutboundMessage, type WebhookRequest } from '../../src/providers/types.js';
import { rejection, sendContext, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';

const config = { from: 'Acme', signatureMethod: 'md5hash' as const };
const credentials = { apiKey: 'abcd1234', apiSecret: 'Secret123' };
const message: OutboundMessage = {
  id: 'msg_1',
  projectId: 'prj_1',
  channel: 'sms',
  to: '+447700900000',
  text: 'Your code is 123456',
};
const accepted = (id = '0A0000000123ABCD1') => ({
  body: {
    'message-count': '1',
    messages: [
      {
        to: '447700900000',
        'message-id': id,
        status: '0',
        'remaining-balance': '3.14',
        'message-price': '0.0333',
        network: '23410',
      },
    ],
  },
});

describe('toVonageParams', () => {
  it('drops the + from numbers and passes the message id as client-ref', () => {
    expect(toVonageParams(message, { from: '+447700900001' })).toEqual({
      from: '447700900001',
      to: '447700900000',
      text: 'Your code is 123456',
      'client-ref': 'msg_1',
    });
  });

  it('keeps an alphanumeric sender and adds the delivery-receipt callback', () => {
    expect(toVonageParams(message, config, 'https://relay.example/hooks/vonage')).toMatchObject({
      from: 'Acme',
      callback: 'https://relay.example/hooks/vonage',
    });
  });

  it.each([
    ['GSM-7 text', 'Price: 5€ [promo] {ok} ~ ^ | \\', undefined],
    ['emoji', 'See you 👋', 'unicode'],
    ['Arabic', 'مرحبا', 'unicode'],
    ['a non-GSM Latin letter', 'Zażółć', 'unicode'],
  ])('sets type for %s: %s', (_name, text, type) => {
    expect(toVonageParams({ ...message, text }, config).type).toBe(type);
  });
});

describe('vonage.send', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reply(accepted()));
  const connector = () => vonageConnector.create({ config, baseUrl: fake.url });

  it('POSTs the documented form to /sms/json and returns the message-id', async () => {
    await expect(connector().send(message, credentials, sendContext())).resolves.toEqual({
      providerMessageId: '0A0000000123ABCD1',
      status: 'sent',
    });
    expect(fake.last()).toMatchObject({ method: 'POST', url: '/sms/json' });
    expect(fake.last().headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(fake.last().form)).toEqual({
      api_key: 'abcd1234',
      api_secret: 'Secret123',
      from: 'Acme',
      to: '447700900000',
      text: 'Your code is 123456',
      'client-ref': 'msg_1',
    });
  });

  it('sends a flash SMS as message-class 0, from the sender the message chose (issue 16)', async () => {
    await connector().send({ ...message, from: '+447700900002', flash: true }, credentials, sendContext());
    expect(Object.fromEntries(fake.last().form)).toMatchObject({ from: '447700900002', 'message-class': '0' });
    await connector().send(message, credentials, sendContext());
    expect(fake.last().form.has('message-class')).toBe(false);
    expect(fake.last().form.get('from')).toBe('Acme');
    expect(vonageConnector.flash).toBe(true);
    expect(vonageConnector.senders!({ ...config, senders: ['+447700900002', 'Shop'] })).toEqual([
      'Acme',
      '+447700900002',
      'Shop',
    ]);
  });

  it('asks for delivery receipts only when it can verify them (signature secret set)', async () => {
    const ctx = sendContext({ statusCallbackUrl: 'https://relay.example/hooks/vonage' });
    await connector().send(message, credentials, ctx);
    expect(fake.last().form.has('callback')).toBe(false);
    await connector().send(message, { ...credentials, signatureSecret: 'sig-secret' }, ctx);
    expect(fake.last().form.get('callback')).toBe('https://relay.example/hooks/vonage');
  });

  it.each([
    ['1', 'Throttled', 'transient', 'provider_rate_limited'],
    ['2', 'Missing to param', 'permanent', 'provider_rejected'],
    ['3', 'Invalid from param', 'permanent', 'provider_rejected'],
    ['4', 'Bad Credentials', 'permanent', 'provider_auth_failed'],
    ['5', 'Internal Error', 'transient', 'provider_unavailable'],
    ['6', 'Unroutable message - rejected', 'permanent', 'invalid_recipient'],
    ['7', 'Number barred', 'permanent', 'recipient_opted_out'],
    ['8', 'Partner account barred', 'permanent', 'provider_auth_failed'],
    ['9', 'Partner quota exceeded', 'permanent', 'provider_auth_failed'],
    ['15', 'Illegal Sender Address - rejected', 'permanent', 'provider_rejected'],
    ['99', 'Something new', 'permanent', 'provider_rejected'],
  ] as const)('maps status %s (%s) to %s %s', async (status, errorText, kind, code) => {
    fake.reply({ body: { 'message-count': '1', messages: [{ status, 'error-text': errorText }] } });
    const error = await rejection(connector().send(message, credentials, sendContext()));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind, code, providerCode: status });
    expect((error as Error).message).toContain(errorText);
  });

  it('fails when any part of a long message fails', async () => {
    fake.reply({
      body: {
        'message-count': '2',
        messages: [
          { status: '0', 'message-id': 'A' },
          { status: '1', 'error-text': 'Throttled' },
        ],
      },
    });
    await expect(connector().send(message, credentials, sendContext())).rejects.toMatchObject({
      kind: 'transient',
      code: 'provider_rate_limited',
    });
  });

  it('maps an HTTP 5xx to a transient error', async () => {
    fake.reply({ status: 503, body: 'unavailable' });
    await expect(connector().send(message, credentials, sendContext())).rejects.toMatchObject({
      kind: 'transient',
      code: 'provider_unavailable',
      providerCode: '503',
    });
  });
});

describe('vonage.test', () => {
  it('reads the balance, the cheapest authenticated call', async () => {
    const fake = await startFakeProvider();
    fake.reply({ body: { value: 10.28, autoReload: false } });
    const result = await vonageConnector.create({ config, baseUrl: fake.url }).test!(credentials, {
      signal: new AbortController().signal,
    });
    expect(result.detail).toContain('10.28');
    expect(fake.last()).toMatchObject({
      method: 'GET',
      url: '/account/get-balance?api_key=abcd1234&api_secret=Secret123',
    });
    fake.reply({ status: 401, body: { 'error-code': '401', 'error-code-label': 'authentication failed' } });
    await expect(
      vonageConnector.create({ config, baseUrl: fake.url }).test!(credentials, {
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({
      kind: 'permanent',
      code: 'provider_auth_failed',
    });
    await fake.close();
  });
});

describe('vonage delivery receipts', () => {
  const secret = 'sig-secret';
  const now = Math.floor(Date.now() / 1000);
  const receipt: Record<string, string> = {
    msisdn: '447700900000',
    to: 'Acme',
    'network-code': '23410',
    messageId: '0A0000000123ABCD1',
    price: '0.0333',
    status: 'delivered',
    scts: '2001011400',
    'err-code': '0',
    'client-ref': 'msg_1',
    'message-timestamp': '2024-05-01 12:30:00',
    timestamp: String(now),
    nonce: 'a1b2c3',
  };
  // Built independently of the connector, from the algorithm in Vonage's SDKs.
  const signed = Object.keys(receipt)
    .sort()
    .map((key) => `&${key}=${receipt[key]!.replace(/[&=]/g, '_')}`)
    .join('');
  const md5hashSig = createHash('md5')
    .update(signed + secret)
    .digest('hex');
  const sha256Sig = createHmac('sha256', secret).update(signed).digest('hex').toUpperCase();

  const request = (params: Record<string, string>): WebhookRequest => ({
    method: 'POST',
    url: 'https://relay.example/hooks/vonage',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    query: {},
    rawBody: Buffer.from(new URLSearchParams(params).toString()),
  });

  it('verifies an md5hash signature and refuses a tampered receipt', () => {
    const connector = vonageConnector.create({ config });
    expect(
      connector.verifyWebhook!(request({ ...receipt, sig: md5hashSig }), { ...credentials, signatureSecret: secret }),
    ).toBe(true);
    expect(
      connector.verifyWebhook!(request({ ...receipt, status: 'failed', sig: md5hashSig }), {
        ...credentials,
        signatureSecret: secret,
      }),
    ).toBe(false);
    expect(connector.verifyWebhook!(request({ ...receipt, sig: md5hashSig }), credentials)).toBe(false);
  });

  it('verifies an HMAC-SHA256 signature, whatever its case', () => {
    expect(verifyVonageSignature({ ...receipt, sig: sha256Sig }, secret, 'sha256')).toBe(true);
    expect(verifyVonageSignature({ ...receipt, sig: sha256Sig }, secret, 'sha512')).toBe(false);
  });

  it('refuses a signed receipt older than five minutes', () => {
    const old = { ...receipt, timestamp: String(now - 600) };
    const sig = createHash('md5')
      .update(
        Object.keys(old)
          .sort()
          .map((key) => `&${key}=${old[key as keyof typeof old]}`)
          .join('') + secret,
      )
      .digest('hex');
    expect(verifyVonageSignature({ ...old, sig }, secret, 'md5hash')).toBe(true);
    expect(
      vonageConnector.create({ config }).verifyWebhook!(request({ ...old, sig }), {
        ...credentials,
        signatureSecret: secret,
      }),
    ).toBe(false);
  });

  it.each([
    ['delivered', 'delivered'],
    ['accepted', 'sent'],
    ['buffered', 'sent'],
    ['expired', 'undelivered'],
    ['failed', 'failed'],
    ['rejected', 'failed'],
  ])('maps status=%s to %s', (vonageStatus, status) => {
    expect(parseVonageReceipt({ ...receipt, status: vonageStatus })).toEqual([
      {
        providerMessageId: '0A0000000123ABCD1',
        status,
        errorCode: null,
        providerStatus: vonageStatus,
        at: Date.UTC(2024, 4, 1, 12, 30, 0),
      },
    ]);
  });

  it('keeps a non-zero err-code and reads GET receipts from the query', () => {
    const connector = vonageConnector.create({ config });
    const get: WebhookRequest = {
      method: 'GET',
      url: 'https://relay.example/hooks/vonage',
      headers: {},
      query: { ...receipt, status: 'failed', 'err-code': '6' },
      rawBody: Buffer.alloc(0),
    };
    expect(connector.parseStatus!(get)).toMatchObject([
      { providerMessageId: '0A0000000123ABCD1', status: 'failed', errorCode: '6' },
    ]);
    expect(parseVonageReceipt({ ...receipt, status: 'unknown' })).toEqual([]);
  });
});
