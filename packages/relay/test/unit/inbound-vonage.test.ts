import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../src/providers/types.js';
import { vonageConnector, type VonageConfig } from '../../src/providers/vonage.js';

// Inbound SMS as Vonage documents them (https://developer.vonage.com/en/messaging/sms/guides/inbound-sms),
// signed as its signed webhooks are (https://developer.vonage.com/en/getting-started/concepts/signing-messages):
// the parameters but `sig`, sorted, joined as `&key=value` with `&` and `=` in values turned to `_`,
// then MD5 over that plus the secret (md5hash) or an HMAC under the secret. Computed here, not by the relay.
const secret = 'inbound-test-signature-secret';
const credentials = { apiKey: 'abcd1234', apiSecret: 'api-secret', signatureSecret: secret };
const now = () => String(Math.floor(Date.now() / 1000));

function sign(params: Record<string, string>, method: VonageConfig['signatureMethod'], key = secret): string {
  const joined = Object.keys(params)
    .sort()
    .map((name) => `&${name}=${params[name]!.replace(/[&=]/g, '_')}`)
    .join('');
  return method === 'md5hash'
    ? createHash('md5')
        .update(joined + key)
        .digest('hex')
    : createHmac(method, key).update(joined).digest('hex');
}

/** A signed inbound webhook, POSTed as a form (or as JSON). */
function signed(
  params: Record<string, string>,
  options: { method?: VonageConfig['signatureMethod']; key?: string; json?: boolean } = {},
): WebhookRequest {
  const method = options.method ?? 'md5hash';
  const withTime = { ...params, timestamp: now(), nonce: 'a3b8c7d1-nonce' };
  const body = { ...withTime, sig: sign(withTime, method, options.key) };
  return {
    method: 'POST',
    url: 'https://relay.example/v1/hooks/con_0123456789abcdefABCDEF',
    headers: { 'content-type': options.json ? 'application/json' : 'application/x-www-form-urlencoded' },
    query: {},
    rawBody: Buffer.from(options.json ? JSON.stringify(body) : new URLSearchParams(body).toString()),
  };
}

const connector = (signatureMethod: VonageConfig['signatureMethod'] = 'md5hash') =>
  vonageConnector.create({ config: { from: '+447700900000', signatureMethod } });

const inbound = {
  msisdn: '447700900001',
  to: '447700900000',
  messageId: '0A0000000123ABCD1',
  text: 'Hello world',
  type: 'text',
  keyword: 'HELLO',
  'message-timestamp': '2020-01-01 12:00:00',
};

describe('vonage.parseInbound', () => {
  it('reads a signed inbound SMS', () => {
    const request = signed(inbound);
    expect(connector().verifyWebhook!(request, credentials)).toBe(true);
    expect(connector().parseInbound!(request)).toEqual([
      {
        providerMessageId: '0A0000000123ABCD1',
        channel: 'sms',
        from: '+447700900001',
        to: '+447700900000',
        text: 'Hello world',
        media: [],
        at: Date.UTC(2020, 0, 1, 12, 0, 0),
      },
    ]);
  });

  it('reads a unicode SMS sent as JSON and signed with HMAC-SHA256', () => {
    const request = signed({ ...inbound, type: 'unicode', text: 'Ça marche 👍' }, { method: 'sha256', json: true });
    expect(connector('sha256').verifyWebhook!(request, credentials)).toBe(true);
    expect(connector('sha256').parseInbound!(request)).toMatchObject([{ text: 'Ça marche 👍', from: '+447700900001' }]);
  });

  it('returns each part of a concatenated SMS as its own message, by its own messageId', () => {
    const part = (n: number, text: string) => ({
      ...inbound,
      messageId: `0A000000012${n}ABCD`,
      text,
      concat: 'true',
      'concat-ref': '108',
      'concat-total': '2',
      'concat-part': String(n),
    });
    const parsed = [part(2, 'second half.'), part(1, 'A long message, first half and ')].flatMap((params) => {
      const request = signed(params);
      expect(connector().verifyWebhook!(request, credentials)).toBe(true);
      return connector().parseInbound!(request);
    });
    expect(parsed.map(({ providerMessageId, text }) => ({ providerMessageId, text }))).toEqual([
      { providerMessageId: '0A0000000122ABCD', text: 'second half.' },
      { providerMessageId: '0A0000000121ABCD', text: 'A long message, first half and ' },
    ]);
  });

  it('reads a binary SMS with no text', () => {
    const { text: _text, keyword: _keyword, ...rest } = inbound;
    const request = signed({ ...rest, type: 'binary', data: '0102030405', udh: '050003CC0201' });
    expect(connector().verifyWebhook!(request, credentials)).toBe(true);
    expect(connector().parseInbound!(request)).toMatchObject([{ text: '', media: [] }]);
  });

  it('keeps delivery receipts and inbound SMS apart', () => {
    // A delivery receipt (https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts).
    const receipt = signed({
      msisdn: '447700900001',
      to: 'Acme',
      'network-code': '23410',
      messageId: '0A0000000123ABCD9',
      price: '0.03330000',
      status: 'delivered',
      scts: '2001011400',
      'err-code': '0',
      'api-key': 'abcd1234',
      'message-timestamp': '2020-01-01 12:00:05',
    });
    expect(connector().verifyWebhook!(receipt, credentials)).toBe(true);
    expect(connector().parseInbound!(receipt)).toEqual([]);
    expect(connector().parseStatus!(receipt)).toMatchObject([
      { providerMessageId: '0A0000000123ABCD9', status: 'delivered' },
    ]);
    expect(connector().parseStatus!(signed(inbound))).toEqual([]);
  });

  it('refuses a forged or tampered inbound SMS', () => {
    const request = signed(inbound);
    const tampered = { ...request, rawBody: Buffer.from(request.rawBody.toString().replace('Hello', 'STOP')) };
    expect(connector().verifyWebhook!(tampered, credentials)).toBe(false);
    expect(connector().verifyWebhook!(signed(inbound, { key: 'not-the-secret' }), credentials)).toBe(false);
    const unsigned: WebhookRequest = { ...request, rawBody: Buffer.from(new URLSearchParams(inbound).toString()) };
    expect(connector().verifyWebhook!(unsigned, credentials)).toBe(false);
    expect(connector().verifyWebhook!(request, { apiKey: 'abcd1234', apiSecret: 'api-secret' })).toBe(false);
  });
});
