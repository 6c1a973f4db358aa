import { describe, expect, it, vi } from 'vitest';
import { createClient } from '@messagejs/client';
import { accepted, answer, publicKey, relayUrl, secretKey, useRelay } from './helpers/relay.js';

useRelay();

describe('requests', () => {
  it('POSTs a send as JSON with the key as a Bearer token', async () => {
    const seen = answer('post', '/v1/messages', accepted());
    const relay = createClient({ secretKey, relayUrl });

    await relay.messages.send({ to: '+212612345678', text: 'Your parcel is here', channel: 'sms' });

    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('https://relay.example/v1/messages');
    expect(request!.headers.get('authorization')).toBe(`Bearer ${secretKey}`);
    expect(request!.headers.get('content-type')).toBe('application/json');
    expect(request!.headers.get('accept')).toBe('application/json');
    expect(request!.body).toEqual({ to: '+212612345678', text: 'Your parcel is here', channel: 'sms' });
  });

  it.each([
    [
      'verify.start',
      '/v1/verify/send',
      { to: '+212612345678', channel: 'sms', captchaToken: 'tok' },
      { sessionId: 'vs_1', status: 'pending' },
    ],
    ['verify.check', '/v1/verify/check', { sessionId: 'vs_1', code: '123456' }, { valid: false, status: 'pending' }],
  ] as const)('%s POSTs its body to %s and resolves with the answer', async (method, path, body, reply) => {
    const seen = answer('post', path, () => Response.json(reply));
    const client = createClient({ publicKey, relayUrl });

    const result = await (method === 'verify.start' ? client.verify.start(body) : client.verify.check(body));

    expect(result).toEqual(reply);
    expect(seen[0]!.body).toEqual(body);
  });

  it('GETs a message by its id, escaped, for status and messages.get', async () => {
    const seen = answer('get', '/v1/messages/:id', () => Response.json({ id: 'msg/1', status: 'sent' }));
    const client = createClient({ publicKey, relayUrl });

    await expect(client.status('msg/1')).resolves.toMatchObject({ status: 'sent' });
    await expect(client.messages.get('msg/1')).resolves.toMatchObject({ status: 'sent' });

    expect(seen.map((request) => request.url)).toEqual([
      'https://relay.example/v1/messages/msg%2F1',
      'https://relay.example/v1/messages/msg%2F1',
    ]);
    for (const request of seen) {
      expect(request.headers.get('authorization')).toBe(`Bearer ${publicKey}`);
      expect(request.headers.get('idempotency-key')).toBeNull();
    }
  });

  it('rejects status() without an id, sending nothing', async () => {
    await expect(createClient({ publicKey, relayUrl }).status('')).rejects.toThrow(TypeError);
  });

  it('keeps a path prefix of relayUrl and drops its trailing slash', async () => {
    const seen = answer('post', '/messagejs/v1/messages', accepted());

    await createClient({ publicKey, relayUrl: `${relayUrl}/messagejs/` }).send({ template: 'contact' });

    expect(seen[0]!.url).toBe('https://relay.example/messagejs/v1/messages');
  });

  it('sends extra headers, but never lets them replace Authorization', async () => {
    const seen = answer('post', '/v1/messages', accepted());
    const client = createClient({
      publicKey,
      relayUrl,
      headers: { 'X-Tenant': 'acme', Authorization: 'Bearer other' },
    });

    await client.send({ template: 'contact' });

    expect(seen[0]!.headers.get('x-tenant')).toBe('acme');
    expect(seen[0]!.headers.get('authorization')).toBe(`Bearer ${publicKey}`);
  });

  it('uses the `fetch` option instead of the global fetch', async () => {
    const fetch = vi.fn(async (request: Request) => {
      expect(request.url).toBe('https://relay.example/v1/messages');
      return Response.json({ id: 'msg_custom', status: 'queued' }, { status: 202 });
    });

    const result = await createClient({ publicKey, relayUrl, fetch: fetch as unknown as typeof globalThis.fetch }).send(
      { template: 'contact' },
    );

    expect(result).toMatchObject({ id: 'msg_custom' });
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
