import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  signWebhook,
  toWebhookPayload,
  verifyWebhookSignature,
  webhookConnector,
} from '../../src/providers/webhook.js';
import type { OutboundMessage } from '../../src/providers/types.js';
import { rejection, sendContext, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';

const secret = 'whsec_0123456789abcdef';
const message: OutboundMessage = {
  id: 'msg_1',
  projectId: 'prj_1',
  channel: 'sms',
  to: '+14155550111',
  text: 'Your code is 123456',
  template: { name: 'otp', params: { code: '123456' } },
};

describe('toWebhookPayload', () => {
  it('carries the rendered message and leaves out absent fields', () => {
    expect(toWebhookPayload(message)).toEqual({
      id: 'msg_1',
      projectId: 'prj_1',
      channel: 'sms',
      to: '+14155550111',
      text: 'Your code is 123456',
      template: { name: 'otp', params: { code: '123456' } },
    });
  });
});

describe('verifyWebhookSignature', () => {
  const now = 1_700_000_000_000;
  const timestamp = String(now / 1000);
  const body = '{"id":"msg_1"}';
  // Computed independently: HMAC-SHA256 over `${timestamp}.${body}`, hex, prefixed with v1=.
  const signature = `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

  it('matches signWebhook and accepts a fresh, untampered request', () => {
    expect(signWebhook(secret, timestamp, body)).toBe(signature);
    expect(verifyWebhookSignature(secret, timestamp, body, signature, 300, now)).toBe(true);
    expect(verifyWebhookSignature(secret, timestamp, Buffer.from(body), signature, 300, now)).toBe(true);
  });

  it('accepts any of several signatures (secret rotation)', () => {
    expect(verifyWebhookSignature(secret, timestamp, body, `v1=${'0'.repeat(64)}, ${signature}`, 300, now)).toBe(true);
  });

  it.each([
    ['a tampered body', secret, timestamp, '{"id":"msg_2"}', signature, now],
    ['another secret', 'whsec_other_secret_0000', timestamp, body, signature, now],
    ['a replayed timestamp', secret, timestamp, body, signature, now + 301_000],
    ['a timestamp from the future', secret, timestamp, body, signature, now - 301_000],
    ['a changed timestamp', secret, String(now / 1000 + 1), body, signature, now],
    ['a non-numeric timestamp', secret, `${timestamp}.0`, body, signature, now],
    ['a missing signature', secret, timestamp, body, undefined, now],
    ['a signature without v1=', secret, timestamp, body, signature.slice(3), now],
  ])('refuses %s', (_name, key, ts, payload, sig, at) => {
    expect(verifyWebhookSignature(key, ts, payload, sig, 300, at)).toBe(false);
  });
});

describe('webhook.send', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reply({ body: { id: 'rcv_42' } }));
  const connector = () =>
    webhookConnector.create({ config: { url: 'https://hooks.acme.test/messagejs?source=relay' }, baseUrl: fake.url });

  it('POSTs the message as JSON with a signature the receiver can verify', async () => {
    await expect(connector().send(message, { secret }, sendContext())).resolves.toEqual({
      providerMessageId: 'rcv_42',
      status: 'sent',
    });
    const request = fake.last();
    expect(request).toMatchObject({ method: 'POST', url: '/messagejs?source=relay' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-messagejs-event']).toBe('message');
    expect(request.json).toEqual(toWebhookPayload(message));
    const timestamp = request.headers['x-messagejs-timestamp'] as string;
    const signature = request.headers['x-messagejs-signature'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, timestamp, request.body, signature, 300)).toBe(true);
  });

  it('accepts an empty 2xx answer', async () => {
    fake.reply({ status: 204 });
    await expect(connector().send(message, { secret }, sendContext())).resolves.toEqual({
      providerMessageId: null,
      status: 'sent',
    });
  });

  it.each([
    [500, 'transient', 'provider_unavailable'],
    [429, 'transient', 'provider_rate_limited'],
    [401, 'permanent', 'provider_auth_failed'],
    [422, 'permanent', 'provider_rejected'],
  ] as const)('maps HTTP %i to %s %s', async (status, kind, code) => {
    fake.reply({ status, body: { error: 'nope' } });
    await expect(rejection(connector().send(message, { secret }, sendContext()))).resolves.toMatchObject({
      kind,
      code,
      providerCode: String(status),
    });
  });

  it('does not follow redirects', async () => {
    fake.reply({ status: 302, headers: { location: 'http://169.254.169.254/' } });
    await expect(connector().send(message, { secret }, sendContext())).rejects.toMatchObject({
      kind: 'permanent',
      code: 'provider_rejected',
      providerCode: '302',
    });
  });

  it('tests the receiver with a signed request that carries no message', async () => {
    fake.reply({ status: 204 });
    const result = await connector().test!({ secret }, { signal: new AbortController().signal });
    expect(result.detail).toContain('204');
    const request = fake.last();
    expect(request).toMatchObject({ method: 'POST', url: '/messagejs?source=relay' });
    expect(request.headers['x-messagejs-event']).toBe('test');
    expect(request.json).toEqual({ type: 'test', id: expect.stringMatching(/^test_/) });
    const timestamp = request.headers['x-messagejs-timestamp'] as string;
    const signature = request.headers['x-messagejs-signature'] as string;
    expect(verifyWebhookSignature(secret, timestamp, request.body, signature, 300)).toBe(true);
  });

  it('reports a receiver that refuses the signed test as an auth failure', async () => {
    fake.reply({ status: 401, body: { error: 'bad signature' } });
    await expect(
      rejection(connector().test!({ secret }, { signal: new AbortController().signal })),
    ).resolves.toMatchObject({ kind: 'permanent', code: 'provider_auth_failed', providerCode: '401' });
  });
});
