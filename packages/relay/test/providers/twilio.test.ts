import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTwilioStatus, toTwilioParams, twilioConnector, type TwilioConfig } from '../../src/providers/twilio.js';
import { ConnectorError, type OutboundMessage, type WebhookRequest } from '../../src/providers/types.js';
import { rejection, sendContext, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';

const accountSid = `AC${'a'.repeat(32)}`;
const authToken = 'test-auth-token';
const credentials = { accountSid, authToken };
const messagingServiceSid = `MG${'b'.repeat(32)}`;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

const sms: OutboundMessage = {
  id: 'msg_1',
  projectId: 'prj_1',
  channel: 'sms',
  to: '+14155550111',
  text: 'Your code is 123456',
};
const whatsapp: OutboundMessage = { ...sms, channel: 'whatsapp' };
const messagesPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
const created = { status: 201, body: { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' } };

describe('toTwilioParams', () => {
  const from: TwilioConfig = { from: '+14155550100' };

  it('sends an SMS from the configured number with the status callback', () => {
    expect(toTwilioParams(sms, from, 'https://relay.example/hooks/twilio')).toEqual({
      to: '+14155550111',
      from: '+14155550100',
      body: 'Your code is 123456',
      statusCallback: 'https://relay.example/hooks/twilio',
    });
  });

  it('leaves StatusCallback out when the relay has no public URL', () => {
    expect(toTwilioParams(sms, from)).not.toHaveProperty('statusCallback');
  });

  it('uses the Messaging Service instead of a From number when configured', () => {
    expect(toTwilioParams(sms, { messagingServiceSid })).toEqual({
      to: '+14155550111',
      messagingServiceSid,
      body: 'Your code is 123456',
    });
  });

  it('sends from the sender the message chose, beside the Messaging Service that owns it (issue 16)', () => {
    expect(toTwilioParams({ ...sms, from: 'ACME' }, { messagingServiceSid, senders: ['ACME'] })).toEqual({
      to: '+14155550111',
      from: 'ACME',
      messagingServiceSid,
      body: 'Your code is 123456',
    });
    expect(toTwilioParams({ ...whatsapp, from: '+14155550188' }, from)).toMatchObject({
      from: 'whatsapp:+14155550188',
    });
    expect(twilioConnector.senders!({ ...from, whatsappFrom: '+14155550199', senders: ['ACME'] })).toEqual([
      '+14155550100',
      '+14155550199',
      'ACME',
    ]);
    expect(twilioConnector.flash).toBeUndefined();
  });

  it('prefixes both WhatsApp addresses with whatsapp:', () => {
    expect(toTwilioParams(whatsapp, from)).toMatchObject({
      to: 'whatsapp:+14155550111',
      from: 'whatsapp:+14155550100',
    });
  });

  it('sends WhatsApp from whatsappFrom when set, even with a Messaging Service for SMS', () => {
    const params = toTwilioParams(whatsapp, { messagingServiceSid, whatsappFrom: '+14155550199' });
    expect(params).toMatchObject({ to: 'whatsapp:+14155550111', from: 'whatsapp:+14155550199' });
    expect(params).not.toHaveProperty('messagingServiceSid');
  });

  it('sends a WhatsApp Content template as ContentSid and ContentVariables instead of Body', () => {
    const contentSid = `HX${'c'.repeat(32)}`;
    const params = toTwilioParams(
      {
        ...whatsapp,
        template: { name: 'otp', params: { 1: '123456', 2: 5 }, provider: { name: contentSid, language: 'en' } },
      },
      from,
    );
    expect(params).toEqual({
      to: 'whatsapp:+14155550111',
      from: 'whatsapp:+14155550100',
      contentSid,
      contentVariables: '{"1":"123456","2":"5"}',
    });
  });
});

describe('twilio configSchema', () => {
  it.each([
    [{ from: '+14155550100' }, true],
    [{ messagingServiceSid }, true],
    [{ from: 'ACME' }, true],
    [{}, false],
    [{ from: '0612345678' }, false],
    [{ messagingServiceSid: 'MG123' }, false],
  ])('accepts %j: %s', (config, valid) => {
    expect(twilioConnector.configSchema.safeParse(config).success).toBe(valid);
  });

  it('accepts an auth token or an API key pair as credentials', () => {
    expect(twilioConnector.credentialsSchema.safeParse(credentials).success).toBe(true);
    expect(
      twilioConnector.credentialsSchema.safeParse({ accountSid, apiKey: `SK${'d'.repeat(32)}`, apiSecret: 's' })
        .success,
    ).toBe(true);
    expect(twilioConnector.credentialsSchema.safeParse({ accountSid }).success).toBe(false);
  });
});

describe('twilio.send', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reply(created));

  const connector = (config: TwilioConfig = { from: '+14155550100' }) =>
    twilioConnector.create({ config, baseUrl: fake.url });

  it('POSTs the documented form to Messages.json with Basic auth and returns the SID', async () => {
    const result = await connector().send(
      sms,
      credentials,
      sendContext({ statusCallbackUrl: 'https://relay.example/hooks/twilio' }),
    );

    expect(result).toEqual({ providerMessageId: 'SM0123456789abcdef0123456789abcdef', status: 'sent' });
    const request = fake.last();
    expect(request.method).toBe('POST');
    expect(request.url).toBe(messagesPath);
    expect(request.headers.authorization).toBe(basic(accountSid, authToken));
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    // The relay's internal call tag never reaches Twilio.
    expect(Object.keys(request.headers).filter((h) => h.startsWith('x-messagejs'))).toEqual([]);
    expect(Object.fromEntries(request.form)).toEqual({
      To: '+14155550111',
      From: '+14155550100',
      Body: 'Your code is 123456',
      StatusCallback: 'https://relay.example/hooks/twilio',
    });
  });

  it('sends MessagingServiceSid when configured', async () => {
    await connector({ messagingServiceSid }).send(sms, credentials, sendContext());
    expect(Object.fromEntries(fake.last().form)).toEqual({
      To: '+14155550111',
      MessagingServiceSid: messagingServiceSid,
      Body: 'Your code is 123456',
    });
  });

  it('sends WhatsApp with whatsapp: addresses', async () => {
    await connector().send(whatsapp, credentials, sendContext());
    expect(Object.fromEntries(fake.last().form)).toMatchObject({
      To: 'whatsapp:+14155550111',
      From: 'whatsapp:+14155550100',
    });
  });

  it('authenticates with an API key and still posts to the account', async () => {
    const apiKey = `SK${'d'.repeat(32)}`;
    await connector().send(sms, { accountSid, apiKey, apiSecret: 'key-secret' }, sendContext());
    expect(fake.last().url).toBe(messagesPath);
    expect(fake.last().headers.authorization).toBe(basic(apiKey, 'key-secret'));
  });

  it('keeps one connection alive across sends', async () => {
    const reused = connector();
    const before = fake.connections();
    for (let i = 0; i < 5; i++) await reused.send(sms, credentials, sendContext());
    expect(fake.connections() - before).toBeLessThanOrEqual(1);
  });

  it.each([
    ['21211 invalid To', 400, 21211, 'permanent', 'invalid_recipient'],
    ['21614 not a mobile number', 400, 21614, 'permanent', 'invalid_recipient'],
    ['21610 opted out (STOP)', 400, 21610, 'permanent', 'recipient_opted_out'],
    ['21408 region not enabled', 400, 21408, 'permanent', 'country_not_allowed'],
    ['20003 authentication', 401, 20003, 'permanent', 'provider_auth_failed'],
    ['63016 outside the WhatsApp window', 400, 63016, 'permanent', 'outside_session_window'],
    ['21606 unknown 4xx code', 400, 21606, 'permanent', 'provider_rejected'],
    ['20500 server error', 500, 20500, 'transient', 'provider_unavailable'],
  ] as const)('maps %s to %s %s', async (_name, status, code, kind, relayCode) => {
    fake.reply({
      status,
      body: { code, message: `Error ${code}`, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    });
    const error = await rejection(connector().send(sms, credentials, sendContext()));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind, code: relayCode, providerCode: String(code), retryAfterMs: null });
  });

  it('maps 429 to a transient rate limit honouring Retry-After', async () => {
    fake.reply({
      status: 429,
      headers: { 'retry-after': '7' },
      body: { code: 20429, message: 'Too Many Requests', status: 429 },
    });
    const error = await rejection(connector().send(sms, credentials, sendContext()));
    expect(error).toMatchObject({
      kind: 'transient',
      code: 'provider_rate_limited',
      providerCode: '20429',
      retryAfterMs: 7000,
    });
  });

  it('aborts the request when the worker times out', async () => {
    fake.reply({ ...created, delayMs: 5000 });
    const started = Date.now();
    const error = await rejection(
      connector().send(sms, credentials, sendContext({ signal: AbortSignal.timeout(100) })),
    );
    expect(error).toMatchObject({ kind: 'transient', code: 'provider_timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('aborts only the send whose signal fired when sends run concurrently on one client', async () => {
    fake.reply({ ...created, delayMs: 400 });
    const shared = connector();
    const abort = new AbortController();
    const slow = shared.send(sms, credentials, sendContext());
    const aborted = rejection(shared.send(sms, credentials, sendContext({ signal: abort.signal })));
    const alsoSlow = shared.send(sms, credentials, sendContext());
    setTimeout(() => abort.abort(new DOMException('The provider did not answer in time', 'TimeoutError')), 50);
    expect(await aborted).toMatchObject({ kind: 'transient', code: 'provider_timeout' });
    await expect(slow).resolves.toMatchObject({ status: 'sent' });
    await expect(alsoSlow).resolves.toMatchObject({ status: 'sent' });
  });

  it('maps an unreachable API to a transient error without leaking the auth header', async () => {
    const gone = await startFakeProvider();
    await gone.close();
    const error = await rejection(
      twilioConnector
        .create({ config: { from: '+14155550100' }, baseUrl: gone.url })
        .send(sms, credentials, sendContext()),
    );
    expect(error).toMatchObject({ kind: 'transient', code: 'provider_unavailable', providerCode: 'ECONNREFUSED' });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(
      Buffer.from(`${accountSid}:${authToken}`).toString('base64'),
    );
  });
});

describe('twilio.test', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider();
  });
  afterAll(() => fake.close());

  it('fetches the account, the cheapest authenticated call', async () => {
    fake.reply({ body: { sid: accountSid, friendly_name: 'Acme', status: 'active' } });
    const connector = twilioConnector.create({ config: { from: '+14155550100' }, baseUrl: fake.url });
    await expect(connector.test!(credentials, { signal: new AbortController().signal })).resolves.toEqual({
      detail: 'The Twilio account "Acme" is active.',
    });
    expect(fake.last()).toMatchObject({ method: 'GET', url: `/2010-04-01/Accounts/${accountSid}.json` });
    expect(fake.last().headers.authorization).toBe(basic(accountSid, authToken));
  });

  it('fails a suspended account and wrong credentials permanently', async () => {
    const connector = twilioConnector.create({ config: { from: '+14155550100' }, baseUrl: fake.url });
    fake.reply({ body: { sid: accountSid, friendly_name: 'Acme', status: 'suspended' } });
    await expect(connector.test!(credentials, { signal: new AbortController().signal })).rejects.toMatchObject({
      kind: 'permanent',
      code: 'provider_auth_failed',
    });
    fake.reply({ status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } });
    await expect(connector.test!(credentials, { signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'provider_auth_failed',
      providerCode: '20003',
    });
  });
});

describe('twilio.verifyWebhook', () => {
  // The worked example of https://www.twilio.com/docs/usage/webhooks/webhooks-security (auth token 12345).
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const body = 'CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212';
  const request = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
    },
    query: { foo: '1', bar: '2' },
    rawBody: Buffer.from(body),
    ...overrides,
  });
  const connector = twilioConnector.create({ config: { from: '+14155550100' } });
  const docsCredentials = { accountSid, authToken: '12345' };

  it("accepts Twilio's published test vector", () => {
    expect(connector.verifyWebhook!(request(), docsCredentials)).toBe(true);
  });

  it.each([
    ['a tampered parameter', { rawBody: Buffer.from(body.replace('Digits=1234', 'Digits=9999')) }],
    ['another URL', { url: 'https://mycompany.com/myapp.php?foo=1&bar=3' }],
    [
      'a tampered signature',
      {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': '1/KCTR6DLpKmkAf8muzZqo1nDgQ=',
        },
      },
    ],
    ['no signature', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
  ])('refuses %s', (_name, overrides) => {
    expect(connector.verifyWebhook!(request(overrides), docsCredentials)).toBe(false);
  });

  it('refuses everything with another auth token, or with API-key credentials and no auth token', () => {
    expect(connector.verifyWebhook!(request(), { accountSid, authToken: '54321' })).toBe(false);
    expect(connector.verifyWebhook!(request(), { accountSid, apiKey: `SK${'d'.repeat(32)}`, apiSecret: 's' })).toBe(
      false,
    );
  });
});

describe('twilio.parseStatus', () => {
  it.each([
    ['queued', 'sent'],
    ['sending', 'sent'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
  ])('maps MessageStatus=%s to %s', (twilioStatus, status) => {
    expect(parseTwilioStatus({ MessageSid: 'SM1', MessageStatus: twilioStatus })).toEqual([
      { providerMessageId: 'SM1', status, errorCode: null, providerStatus: twilioStatus },
    ]);
  });

  it('reads the callback form with its ErrorCode', () => {
    const connector = twilioConnector.create({ config: { from: '+14155550100' } });
    const rawBody = Buffer.from('MessageSid=SM1&MessageStatus=undelivered&ErrorCode=30003&AccountSid=AC1');
    expect(
      connector.parseStatus!({
        method: 'POST',
        url: 'https://relay.example/hooks',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        query: {},
        rawBody,
      }),
    ).toEqual([{ providerMessageId: 'SM1', status: 'undelivered', errorCode: '30003', providerStatus: 'undelivered' }]);
  });

  it('reports nothing for statuses the relay does not track', () => {
    expect(parseTwilioStatus({ MessageSid: 'SM1', MessageStatus: 'accepted' })).toEqual([]);
    expect(parseTwilioStatus({ MessageStatus: 'delivered' })).toEqual([]);
  });
});
