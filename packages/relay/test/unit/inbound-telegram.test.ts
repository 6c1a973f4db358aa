import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setTelegramWebhook, telegramConnector } from '../../src/providers/telegram.js';
import { ConnectorError, type WebhookRequest } from '../../src/providers/types.js';
import { rejection, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';

// Updates as the Bot API documents them (https://core.telegram.org/bots/api#update, #message),
// authenticated as Telegram does: the `secret_token` given to setWebhook comes back in
// `X-Telegram-Bot-Api-Secret-Token` (https://core.telegram.org/bots/api#setwebhook).
const botToken = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const credentials = { botToken };
const hookUrl = 'https://relay.example/v1/hooks/con_0123456789abcdefABCDEF';
const connector = telegramConnector.create({ config: telegramConnector.configSchema.parse({}) });

let fake: FakeProvider;
/** The secret the relay gave the fake Telegram in setWebhook, as Telegram would send it back. */
let secretToken: string;

beforeAll(async () => {
  fake = await startFakeProvider();
  fake.reply({ body: { ok: true, result: true, description: 'Webhook was set' } });
  await setTelegramWebhook(credentials, hookUrl, { baseUrl: fake.url });
  secretToken = (fake.last().json as { secret_token: string }).secret_token;
});
afterAll(() => fake.close());

/** An update as Telegram posts it, with the secret header (none when `secret` is null). */
function update(body: unknown, secret: string | null = secretToken): WebhookRequest {
  return {
    method: 'POST',
    url: hookUrl,
    headers: {
      'content-type': 'application/json',
      ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }),
    },
    query: {},
    rawBody: Buffer.from(JSON.stringify(body)),
  };
}

const chat = { id: 987654321, first_name: 'Ada', last_name: 'Lovelace', username: 'ada', type: 'private' };
const from = { id: 987654321, is_bot: false, first_name: 'Ada', last_name: 'Lovelace', username: 'ada' };

describe('setTelegramWebhook', () => {
  beforeEach(() => fake.reply({ body: { ok: true, result: true, description: 'Webhook was set' } }));

  it('POSTs the URL, a derived secret_token and allowed_updates ["message"] to /bot<token>/setWebhook', async () => {
    await setTelegramWebhook(credentials, hookUrl, { baseUrl: fake.url, signal: AbortSignal.timeout(5000) });
    const request = fake.last();
    expect(request).toMatchObject({ method: 'POST', url: `/bot${botToken}/setWebhook` });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({ url: hookUrl, secret_token: secretToken, allowed_updates: ['message'] });
    // Telegram takes 1–256 characters of A–Z, a–z, 0–9, _ and -.
    expect(secretToken).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    expect(secretToken).not.toContain(botToken.split(':')[1]);
  });

  it('derives the same secret every time for one bot, another for another bot', async () => {
    await setTelegramWebhook({ botToken: '555:OtherBotTokenOtherBotToken' }, hookUrl, { baseUrl: fake.url });
    const other = (fake.last().json as { secret_token: string }).secret_token;
    expect(other).not.toBe(secretToken);
    await setTelegramWebhook(credentials, hookUrl, { baseUrl: fake.url });
    expect((fake.last().json as { secret_token: string }).secret_token).toBe(secretToken);
  });

  it('throws Telegram’s description when it answers ok: false, without the token', async () => {
    const description = 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook';
    fake.reply({ status: 400, body: { ok: false, error_code: 400, description } });
    const error = await rejection(setTelegramWebhook(credentials, 'http://relay.example/hook', { baseUrl: fake.url }));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'permanent', code: 'provider_rejected', providerCode: '400' });
    expect((error as Error).message).toContain(description);
    expect((error as Error).message).not.toContain(botToken);
  });

  it('fails a revoked token as provider_auth_failed', async () => {
    fake.reply({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    await expect(setTelegramWebhook(credentials, hookUrl, { baseUrl: fake.url })).rejects.toMatchObject({
      code: 'provider_auth_failed',
    });
  });
});

describe('telegram.verifyWebhook', () => {
  const body = { update_id: 1, message: { message_id: 1, date: 1717000000, chat, from, text: 'hi' } };

  it('accepts the secret token given in setWebhook and refuses any other', () => {
    expect(connector.verifyWebhook!(update(body), credentials)).toBe(true);
    expect(connector.verifyWebhook!(update(body, null), credentials)).toBe(false);
    expect(connector.verifyWebhook!(update(body, `${secretToken.slice(0, -1)}x`), credentials)).toBe(false);
    expect(connector.verifyWebhook!(update(body, botToken), credentials)).toBe(false);
    expect(connector.verifyWebhook!(update(body), { botToken: '555:OtherBotTokenOtherBotToken' })).toBe(false);
  });
});

describe('telegram.parseInbound', () => {
  it('reads a text message', () => {
    const request = update({
      update_id: 10000,
      message: { message_id: 1365, date: 1717000000, chat, from, text: '/start' },
    });
    expect(connector.verifyWebhook!(request, credentials)).toBe(true);
    expect(connector.parseInbound!(request)).toEqual([
      {
        providerMessageId: '987654321:1365',
        channel: 'telegram',
        from: '987654321',
        to: '',
        text: '/start',
        media: [],
        at: 1717000000000,
        senderName: 'Ada Lovelace',
      },
    ]);
  });

  it('reads a photo (its largest size) with its caption', () => {
    const photo = [
      { file_id: 'AgAD-small', file_unique_id: 'AQADs', file_size: 1200, width: 90, height: 67 },
      { file_id: 'AgAD-large', file_unique_id: 'AQADl', file_size: 65000, width: 1280, height: 960 },
    ];
    const request = update({
      update_id: 10001,
      message: {
        message_id: 1366,
        date: 1717000060,
        chat,
        from: { ...from, last_name: undefined },
        photo,
        caption: 'Mine',
      },
    });
    expect(connector.parseInbound!(request)).toEqual([
      {
        providerMessageId: '987654321:1366',
        channel: 'telegram',
        from: '987654321',
        to: '',
        text: 'Mine',
        media: [{ url: null, contentType: 'image/jpeg', providerMediaId: 'AgAD-large' }],
        at: 1717000060000,
        senderName: 'Ada',
      },
    ]);
  });

  it('reads a document and a voice note by file_id and mime_type', () => {
    const document = { file_id: 'BQAD-doc', file_unique_id: 'u1', file_name: 'cv.pdf', mime_type: 'application/pdf' };
    const voice = { file_id: 'AwAD-voice', file_unique_id: 'u2', duration: 3, mime_type: 'audio/ogg' };
    const parsed = [
      ...connector.parseInbound!(update({ update_id: 2, message: { message_id: 7, date: 1, chat, from, document } })),
      ...connector.parseInbound!(update({ update_id: 3, message: { message_id: 8, date: 1, chat, from, voice } })),
    ];
    expect(parsed.map(({ text, media }) => ({ text, media }))).toEqual([
      { text: '', media: [{ url: null, contentType: 'application/pdf', providerMediaId: 'BQAD-doc' }] },
      { text: '', media: [{ url: null, contentType: 'audio/ogg', providerMediaId: 'AwAD-voice' }] },
    ]);
  });

  it('uses the group chat as the sender of a group message', () => {
    const group = { id: -1001234567890, title: 'Team', type: 'supergroup' };
    const request = update({ update_id: 4, message: { message_id: 9, date: 1, chat: group, from, text: 'STOP' } });
    expect(connector.parseInbound!(request)).toMatchObject([
      { providerMessageId: '-1001234567890:9', from: '-1001234567890', text: 'STOP' },
    ]);
  });

  it('ignores edits and every other kind of update', () => {
    const edited = { message_id: 1365, date: 1717000000, edit_date: 1717000100, chat, from, text: 'STOP' };
    expect(connector.parseInbound!(update({ update_id: 5, edited_message: edited }))).toEqual([]);
    expect(
      connector.parseInbound!(
        update({ update_id: 6, callback_query: { id: '1', from, chat_instance: '2', data: 'yes' } }),
      ),
    ).toEqual([]);
    expect(connector.parseInbound!({ ...update({}), rawBody: Buffer.from('not json') })).toEqual([]);
  });

  it('has no statuses to parse: Telegram reports no delivery', () => {
    expect(connector.parseStatus).toBeUndefined();
  });
});
