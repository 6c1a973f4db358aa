import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { twilioConnector } from '../../src/providers/twilio.js';
import type { WebhookRequest } from '../../src/providers/types.js';

// Incoming messages as Twilio documents its request to the incoming-message webhook
// (https://www.twilio.com/docs/messaging/guides/webhook-request), signed with the twilio
// package's own helper (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
const authToken = 'inbound-test-auth-token';
const accountSid = `AC${'1'.repeat(32)}`;
const credentials = { accountSid, authToken };
const hookUrl = 'https://relay.example/v1/hooks/con_0123456789abcdefABCDEF';
const messageSid = `SM${'a'.repeat(32)}`;
const connector = twilioConnector.create({ config: { from: '+14155550100' } });

/** An incoming SMS with the fields Twilio documents for it. */
const sms: Record<string, string> = {
  MessageSid: messageSid,
  SmsSid: messageSid,
  SmsMessageSid: messageSid,
  AccountSid: accountSid,
  MessagingServiceSid: `MG${'2'.repeat(32)}`,
  From: '+14155550111',
  To: '+14155550100',
  Body: 'Is my order ready?',
  NumMedia: '0',
  NumSegments: '1',
  SmsStatus: 'received',
  ApiVersion: '2010-04-01',
  FromCity: 'SAN FRANCISCO',
  FromState: 'CA',
  FromZip: '94103',
  FromCountry: 'US',
  ToCity: 'SAN FRANCISCO',
  ToState: 'CA',
  ToZip: '94105',
  ToCountry: 'US',
};

/** A POST webhook carrying `params` as a form, signed by Twilio's own helper (or given `signature`). */
function post(params: Record<string, string>, signature?: string): WebhookRequest {
  return {
    method: 'POST',
    url: hookUrl,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature ?? twilio.getExpectedTwilioSignature(authToken, hookUrl, params),
    },
    query: {},
    rawBody: Buffer.from(new URLSearchParams(params).toString()),
  };
}

describe('twilio.parseInbound', () => {
  it('reads a signed incoming SMS', () => {
    const request = post(sms);
    expect(connector.verifyWebhook!(request, credentials)).toBe(true);
    expect(connector.parseInbound!(request)).toEqual([
      {
        providerMessageId: messageSid,
        channel: 'sms',
        from: '+14155550111',
        to: '+14155550100',
        text: 'Is my order ready?',
        media: [],
        at: null,
        providerHandledKeyword: null,
        senderName: null,
      },
    ]);
  });

  it('reads the media of an MMS, by MediaUrl{N} and MediaContentType{N}', () => {
    const mmsSid = `MM${'b'.repeat(32)}`;
    const mediaUrl = (n: number) =>
      `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Messages/${mmsSid}/Media/ME${String(n).repeat(32)}`;
    const request = post({
      ...sms,
      MessageSid: mmsSid,
      SmsSid: mmsSid,
      SmsMessageSid: mmsSid,
      Body: '',
      NumMedia: '2',
      MediaUrl0: mediaUrl(1),
      MediaContentType0: 'image/jpeg',
      MediaUrl1: mediaUrl(2),
      MediaContentType1: 'video/mp4',
    });
    expect(connector.verifyWebhook!(request, credentials)).toBe(true);
    const [message] = connector.parseInbound!(request);
    expect(message).toMatchObject({ providerMessageId: mmsSid, channel: 'sms', text: '' });
    expect(message!.media).toEqual([
      { url: mediaUrl(1), contentType: 'image/jpeg', providerMediaId: `ME${'1'.repeat(32)}` },
      { url: mediaUrl(2), contentType: 'video/mp4', providerMediaId: `ME${'2'.repeat(32)}` },
    ]);
  });

  it('reads a WhatsApp message through Twilio: whatsapp: addresses, ProfileName', () => {
    const request = post({
      MessageSid: messageSid,
      SmsSid: messageSid,
      SmsMessageSid: messageSid,
      AccountSid: accountSid,
      From: 'whatsapp:+14155550111',
      To: 'whatsapp:+14155238886',
      Body: 'Hello there',
      NumMedia: '0',
      NumSegments: '1',
      ProfileName: 'Sheena Nelson',
      WaId: '14155550111',
      MessageType: 'text',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
    });
    expect(connector.verifyWebhook!(request, credentials)).toBe(true);
    expect(connector.parseInbound!(request)).toEqual([
      {
        providerMessageId: messageSid,
        channel: 'whatsapp',
        from: '+14155550111',
        to: '+14155238886',
        text: 'Hello there',
        media: [],
        at: null,
        providerHandledKeyword: null,
        senderName: 'Sheena Nelson',
      },
    ]);
  });

  it.each([
    ['STOP', 'stop'],
    ['START', 'start'],
    ['HELP', 'help'],
  ])('marks OptOutType=%s, sent by Advanced Opt-Out, as handled by the provider', (optOutType, keyword) => {
    const request = post({ ...sms, Body: optOutType.toLowerCase(), OptOutType: optOutType });
    expect(connector.verifyWebhook!(request, credentials)).toBe(true);
    expect(connector.parseInbound!(request)).toMatchObject([
      { text: optOutType.toLowerCase(), providerHandledKeyword: keyword },
    ]);
  });

  it('reads a GET webhook from its signed query', () => {
    const query = { ...sms, Body: 'Sent by GET' };
    const url = `${hookUrl}?${new URLSearchParams(query).toString()}`;
    const request: WebhookRequest = {
      method: 'GET',
      url,
      headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, {}) },
      query,
      rawBody: Buffer.alloc(0),
    };
    expect(connector.verifyWebhook!(request, credentials)).toBe(true);
    expect(connector.parseInbound!(request)).toMatchObject([{ providerMessageId: messageSid, text: 'Sent by GET' }]);
  });

  it('keeps statuses and incoming messages apart', () => {
    // A status callback for a message the relay sent (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status).
    const status = post({
      MessageSid: messageSid,
      SmsSid: messageSid,
      AccountSid: accountSid,
      From: '+14155550100',
      To: '+14155550111',
      MessageStatus: 'delivered',
      SmsStatus: 'delivered',
      ApiVersion: '2010-04-01',
    });
    expect(connector.verifyWebhook!(status, credentials)).toBe(true);
    expect(connector.parseInbound!(status)).toEqual([]);
    expect(connector.parseStatus!(status)).toEqual([
      { providerMessageId: messageSid, status: 'delivered', errorCode: null, providerStatus: 'delivered' },
    ]);

    // A status callback is never a message, even one reporting `received` (it carries no Body).
    const received = post({
      MessageSid: messageSid,
      AccountSid: accountSid,
      From: '+14155550111',
      To: '+14155550100',
      MessageStatus: 'received',
      SmsStatus: 'received',
    });
    expect(connector.parseInbound!(received)).toEqual([]);
    expect(connector.parseStatus!(received)).toEqual([]);

    const inbound = post(sms);
    expect(connector.parseStatus!(inbound)).toEqual([]);
    // Even an incoming message without SmsStatus is never a status.
    const { SmsStatus: _dropped, ...withoutStatus } = sms;
    expect(connector.parseStatus!(post(withoutStatus))).toEqual([]);
    expect(connector.parseInbound!(post(withoutStatus))).toHaveLength(1);
  });

  it('refuses a forged or tampered incoming message', () => {
    const signed = post(sms);
    const tampered = { ...signed, rawBody: Buffer.from(new URLSearchParams({ ...sms, Body: 'STOP' }).toString()) };
    expect(connector.verifyWebhook!(tampered, credentials)).toBe(false);
    const forged = post(sms, twilio.getExpectedTwilioSignature('another-token', hookUrl, sms));
    expect(connector.verifyWebhook!(forged, credentials)).toBe(false);
    const unsigned = { ...signed, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    expect(connector.verifyWebhook!(unsigned, credentials)).toBe(false);
  });

  it('leaves out messages on channels the connector does not serve', () => {
    expect(connector.parseInbound!(post({ ...sms, From: 'messenger:1234567890', To: 'messenger:987' }))).toEqual([]);
  });
});

describe('twilio.replyToInbound', () => {
  const declaration = '<?xml version="1.0" encoding="UTF-8"?>';

  it('answers one <Message> per reply, escaping <, &, > and quotes', () => {
    expect(connector.replyToInbound!(['Fish & chips < 5 > 3', `He said "yes" and 'no'`])).toEqual({
      contentType: 'text/xml; charset=utf-8',
      body:
        `${declaration}<Response>` +
        '<Message>Fish &amp; chips &lt; 5 &gt; 3</Message>' +
        '<Message>He said &quot;yes&quot; and &apos;no&apos;</Message>' +
        '</Response>',
    });
  });

  it('answers no reply with an empty <Response/>', () => {
    expect(connector.replyToInbound!([])).toEqual({
      contentType: 'text/xml; charset=utf-8',
      body: `${declaration}<Response/>`,
    });
  });

  it('matches the twilio package’s own TwiML for text without quotes', () => {
    const replies = ['You are unsubscribed & will get no more messages.', 'Reply <START> to resubscribe.'];
    const expected = new twilio.twiml.MessagingResponse();
    for (const reply of replies) expected.message(reply);
    expect(connector.replyToInbound!(replies).body).toBe(expected.toString());
    expect(connector.replyToInbound!([]).body).toBe(new twilio.twiml.MessagingResponse().toString());
  });

  it('drops characters XML cannot carry, keeping line breaks and emoji', () => {
    expect(connector.replyToInbound!(['a\u0000b\u0007c\nd\te 👍']).body).toBe(
      `${declaration}<Response><Message>abc\nd\te 👍</Message></Response>`,
    );
  });
});
