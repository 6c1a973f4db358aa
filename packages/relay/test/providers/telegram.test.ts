import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { escapeTelegramMarkdownV2, telegramConnector, toTelegramPayload } from '../../src/providers/telegram.js';
import { ConnectorError, type OutboundMessage } from '../../src/providers/types.js';
import { rejection, sendContext, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';

const botToken = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const credentials = { botToken };
const message: OutboundMessage = {
  id: 'msg_1',
  projectId: 'prj_1',
  channel: 'telegram',
  to: '987654321',
  text: 'Order <b>#42</b> & co > 3',
};
const ok = { body: { ok: true, result: { message_id: 17, chat: { id: 987654321 }, text: 'Order' } } };

describe('toTelegramPayload', () => {
  it('escapes &, < and > for HTML mode by default', () => {
    expect(toTelegramPayload(message)).toEqual({
      chat_id: '987654321',
      text: 'Order &lt;b&gt;#42&lt;/b&gt; &amp; co &gt; 3',
      parse_mode: 'HTML',
    });
  });

  it('escapes every MarkdownV2 special character', () => {
    const special = '_*[]()~`>#+-=|{}.!\\';
    expect(escapeTelegramMarkdownV2(special)).toBe('\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!\\\\');
    expect(toTelegramPayload({ to: '@channel', text: 'Total: 4.50 (paid)!' }, 'MarkdownV2')).toEqual({
      chat_id: '@channel',
      text: 'Total: 4\\.50 \\(paid\\)\\!',
      parse_mode: 'MarkdownV2',
    });
  });

  it('sends plain text without parse_mode in mode none', () => {
    expect(toTelegramPayload(message, 'none')).toEqual({ chat_id: '987654321', text: message.text });
  });
});

describe('telegram.send', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reply(ok));
  const connector = () =>
    telegramConnector.create({ config: telegramConnector.configSchema.parse({}), baseUrl: fake.url });

  it('POSTs JSON to /bot<token>/sendMessage and returns chat:message_id', async () => {
    const result = await connector().send(message, credentials, sendContext());
    expect(result).toEqual({ providerMessageId: '987654321:17', status: 'sent' });
    expect(fake.last()).toMatchObject({ method: 'POST', url: `/bot${botToken}/sendMessage` });
    expect(fake.last().headers['content-type']).toBe('application/json');
    expect(fake.last().json).toEqual({
      chat_id: '987654321',
      text: 'Order &lt;b&gt;#42&lt;/b&gt; &amp; co &gt; 3',
      parse_mode: 'HTML',
    });
  });

  it.each([
    [
      '403 bot blocked',
      403,
      'Forbidden: bot was blocked by the user',
      undefined,
      'permanent',
      'recipient_opted_out',
      null,
    ],
    ['400 chat not found', 400, 'Bad Request: chat not found', undefined, 'permanent', 'invalid_recipient', null],
    ['401 revoked token', 401, 'Unauthorized', undefined, 'permanent', 'provider_auth_failed', null],
    ['404 malformed token', 404, 'Not Found', undefined, 'permanent', 'provider_auth_failed', null],
    [
      '429 flood control',
      429,
      'Too Many Requests: retry after 35',
      { retry_after: 35 },
      'transient',
      'provider_rate_limited',
      35_000,
    ],
    ['400 bad markup', 400, "Bad Request: can't parse entities", undefined, 'permanent', 'provider_rejected', null],
    ['502 gateway', 502, 'Bad Gateway', undefined, 'transient', 'provider_unavailable', null],
  ] as const)('maps %s to %s %s', async (_name, status, description, parameters, kind, code, retryAfterMs) => {
    fake.reply({ status, body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) } });
    const error = await rejection(connector().send(message, credentials, sendContext()));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind, code, providerCode: String(status), retryAfterMs });
    expect((error as Error).message).not.toContain(botToken);
  });

  it('never puts the token, which is in the URL, in a network error', async () => {
    const gone = await startFakeProvider();
    await gone.close();
    const error = await rejection(
      telegramConnector
        .create({ config: { parseMode: 'HTML' }, baseUrl: gone.url })
        .send(message, credentials, sendContext()),
    );
    expect(error).toMatchObject({ kind: 'transient', code: 'provider_unavailable', providerCode: 'ECONNREFUSED' });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(botToken);
  });

  it('times out with the worker signal', async () => {
    fake.reply({ ...ok, delayMs: 5000 });
    const error = await rejection(
      connector().send(message, credentials, sendContext({ signal: AbortSignal.timeout(100) })),
    );
    expect(error).toMatchObject({ kind: 'transient', code: 'provider_timeout' });
  });
});

describe('telegram.test', () => {
  it('calls getMe', async () => {
    const fake = await startFakeProvider();
    fake.reply({ body: { ok: true, result: { id: 123456789, is_bot: true, username: 'acme_bot' } } });
    const connector = telegramConnector.create({ config: { parseMode: 'HTML' }, baseUrl: fake.url });
    await expect(connector.test!(credentials, { signal: new AbortController().signal })).resolves.toEqual({
      detail: 'The token belongs to the bot @acme_bot.',
    });
    expect(fake.last()).toMatchObject({ method: 'GET', url: `/bot${botToken}/getMe` });
    await fake.close();
  });
});

describe('telegram credentialsSchema', () => {
  it.each([
    [botToken, true],
    ['not-a-token', false],
    ['123:abc/../getMe', false],
  ])('accepts %s: %s', (token, valid) => {
    expect(telegramConnector.credentialsSchema.safeParse({ botToken: token }).success).toBe(valid);
  });
});
