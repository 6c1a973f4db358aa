import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discordConnector, toDiscordPayload } from '../../src/providers/discord.js';
import type { OutboundMessage } from '../../src/providers/types.js';
import { rejection, sendContext, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';

const webhookUrl = 'https://discord.com/api/webhooks/1234567890/AbCdEf-secret_token';
const credentials = { webhookUrl };
const message: OutboundMessage = {
  id: 'msg_1',
  projectId: 'prj_1',
  channel: 'chat',
  to: 'ops',
  text: 'Deploy done @everyone',
};

describe('toDiscordPayload', () => {
  it('sends { content } and allows no mentions', () => {
    expect(toDiscordPayload(message)).toEqual({ content: 'Deploy done @everyone', allowed_mentions: { parse: [] } });
  });
});

describe('discord credentialsSchema', () => {
  it.each([
    [webhookUrl, true],
    ['https://discordapp.com/api/webhooks/1/abc', true],
    ['https://ptb.discord.com/api/v10/webhooks/1/abc', true],
    ['https://evil.example/api/webhooks/1/abc', false],
    ['https://discord.com/api/users/@me', false],
  ])('accepts %s: %s', (url, valid) => {
    expect(discordConnector.credentialsSchema.safeParse({ webhookUrl: url }).success).toBe(valid);
  });
});

describe('discord.send', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider();
  });
  afterAll(() => fake.close());
  beforeEach(() =>
    fake.reply({ body: { id: '1180000000000000001', channel_id: '99', content: 'Deploy done @everyone' } }),
  );
  const connector = () => discordConnector.create({ config: {}, baseUrl: fake.url });

  it('POSTs { content } to the webhook with wait=true and returns the message id', async () => {
    await expect(connector().send(message, credentials, sendContext())).resolves.toEqual({
      providerMessageId: '1180000000000000001',
      status: 'sent',
    });
    expect(fake.last()).toMatchObject({
      method: 'POST',
      url: '/api/webhooks/1234567890/AbCdEf-secret_token?wait=true',
    });
    expect(fake.last().json).toEqual({ content: 'Deploy done @everyone', allowed_mentions: { parse: [] } });
  });

  it.each([
    [404, 10015, 'Unknown Webhook', 'permanent', 'provider_auth_failed'],
    [401, 50027, 'Invalid Webhook Token', 'permanent', 'provider_auth_failed'],
    [400, 50006, 'Cannot send an empty message', 'permanent', 'provider_rejected'],
    [503, 0, 'upstream', 'transient', 'provider_unavailable'],
  ] as const)('maps %i (%i %s) to %s %s', async (status, code, text, kind, relayCode) => {
    fake.reply({ status, body: { code, message: text } });
    const error = await rejection(connector().send(message, credentials, sendContext()));
    expect(error).toMatchObject({ kind, code: relayCode, providerCode: String(code) });
    expect((error as Error).message).not.toContain('secret_token');
  });

  it('maps 429 to a rate limit with the body retry_after', async () => {
    fake.reply({
      status: 429,
      headers: { 'retry-after': '2' },
      body: { message: 'You are being rate limited.', retry_after: 1.5, global: false },
    });
    await expect(connector().send(message, credentials, sendContext())).rejects.toMatchObject({
      kind: 'transient',
      code: 'provider_rate_limited',
      retryAfterMs: 1500,
    });
  });
});

describe('discord.test', () => {
  it('reads the webhook with a GET, without posting', async () => {
    const fake = await startFakeProvider();
    fake.reply({ body: { id: '1234567890', name: 'Deploys', channel_id: '99', token: 'AbCdEf-secret_token' } });
    const result = await discordConnector.create({ config: {}, baseUrl: fake.url }).test!(credentials, {
      signal: new AbortController().signal,
    });
    expect(result.detail).toBe('The webhook "Deploys" posts to channel 99.');
    expect(fake.requests).toHaveLength(1);
    expect(fake.last()).toMatchObject({ method: 'GET', url: '/api/webhooks/1234567890/AbCdEf-secret_token' });
    await fake.close();
  });
});
