import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackConnector, toSlackPayload } from '../../src/providers/slack.js';
import type { OutboundMessage } from '../../src/providers/types.js';
import { rejection, sendContext, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';

const webhookUrl = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const credentials = { webhookUrl };
const message: OutboundMessage = {
  id: 'msg_1',
  projectId: 'prj_1',
  channel: 'chat',
  to: '#alerts',
  text: 'Deploy <!channel> done & dusted',
};

describe('toSlackPayload', () => {
  it('sends { text } with &, < and > escaped so parameters cannot mention or link', () => {
    expect(toSlackPayload(message)).toEqual({ text: 'Deploy &lt;!channel&gt; done &amp; dusted' });
  });
});

describe('slack credentialsSchema', () => {
  it.each([
    [webhookUrl, true],
    ['http://hooks.slack.com/services/T/B/X', false],
    ['https://evil.example/services/T/B/X', false],
    ['https://hooks.slack.com/other', false],
  ])('accepts %s: %s', (url, valid) => {
    expect(slackConnector.credentialsSchema.safeParse({ webhookUrl: url }).success).toBe(valid);
  });
});

describe('slack.send', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reply({ body: 'ok' }));
  const connector = () => slackConnector.create({ config: {}, baseUrl: fake.url });

  it('POSTs { text } to the webhook path', async () => {
    await expect(connector().send(message, credentials, sendContext())).resolves.toEqual({
      providerMessageId: null,
      status: 'sent',
    });
    expect(fake.last()).toMatchObject({
      method: 'POST',
      url: '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    });
    expect(fake.last().headers['content-type']).toBe('application/json');
    expect(fake.last().json).toEqual({ text: 'Deploy &lt;!channel&gt; done &amp; dusted' });
  });

  it.each([
    [404, 'no_service', 'permanent', 'provider_auth_failed'],
    [403, 'invalid_token', 'permanent', 'provider_auth_failed'],
    [404, 'channel_not_found', 'permanent', 'invalid_recipient'],
    [410, 'channel_is_archived', 'permanent', 'invalid_recipient'],
    [403, 'action_prohibited', 'permanent', 'provider_rejected'],
    [400, 'invalid_payload', 'permanent', 'provider_rejected'],
    [500, 'rollup_error', 'transient', 'provider_unavailable'],
  ] as const)('maps %i %s to %s %s', async (status, reason, kind, code) => {
    fake.reply({ status, body: reason });
    const error = await rejection(connector().send(message, credentials, sendContext()));
    expect(error).toMatchObject({ kind, code, providerCode: reason });
    expect((error as Error).message).not.toContain('XXXXXXXX');
  });

  it('maps 429 to a rate limit with Retry-After', async () => {
    fake.reply({ status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' });
    await expect(connector().send(message, credentials, sendContext())).rejects.toMatchObject({
      kind: 'transient',
      code: 'provider_rate_limited',
      retryAfterMs: 30_000,
    });
  });

  it('does not post in test(), and says why', async () => {
    const before = fake.requests.length;
    const result = await connector().test!(credentials, { signal: new AbortController().signal });
    expect(result.detail).toMatch(/no read-only endpoint/);
    expect(fake.requests.length).toBe(before);
  });
});
