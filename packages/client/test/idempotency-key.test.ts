import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '@messagejs/client';
import { accepted, answer, networkError, publicKey, relayError, relayUrl, useRelay } from './helpers/relay.js';

useRelay();
afterEach(() => vi.unstubAllGlobals());

const message = { template: 'order_update', to: '+212612345678' };
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const keysOf = (seen: { headers: Headers }[]) => seen.map((request) => request.headers.get('idempotency-key'));

describe('Idempotency-Key', () => {
  it('sends the same Idempotency-Key on every retry of a send', async () => {
    const seen = answer('post', '/v1/messages', relayError('not_ready'), networkError, accepted());
    const client = createClient({ publicKey, relayUrl });

    await client.send(message);

    const keys = keysOf(seen);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(uuid);
    expect(new Set(keys)).toEqual(new Set([keys[0]]));
  });

  it('retries a 409 idempotency_in_progress with the same key', async () => {
    const seen = answer('post', '/v1/messages', relayError('idempotency_in_progress'), accepted());
    const client = createClient({ publicKey, relayUrl });

    await expect(client.send(message)).resolves.toMatchObject({ id: 'msg_01HZX3' });

    const keys = keysOf(seen);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it('reports idempotency_in_progress when it lasts past the retries', async () => {
    const seen = answer('post', '/v1/messages', relayError('idempotency_in_progress'));
    const client = createClient({ publicKey, relayUrl, retries: 1 });

    await expect(client.send(message)).rejects.toMatchObject({
      code: 'idempotency_in_progress',
      status: 409,
      message: expect.stringMatching(/— The relay says idempotency_in_progress$/),
    });
    expect(seen).toHaveLength(2);
  });

  it('gives each send its own key', async () => {
    const seen = answer('post', '/v1/messages', accepted());
    const client = createClient({ publicKey, relayUrl });

    await client.send(message);
    await client.send(message);

    const [first, second] = keysOf(seen);
    expect(first).toMatch(uuid);
    expect(second).toMatch(uuid);
    expect(first).not.toBe(second);
  });

  it('uses the key the caller passes, on every attempt', async () => {
    const seen = answer('post', '/v1/messages', relayError('internal_error'), accepted());
    const client = createClient({ publicKey, relayUrl });

    await client.send(message, { idempotencyKey: 'order-A-1001-shipped' });

    expect(keysOf(seen)).toEqual(['order-A-1001-shipped', 'order-A-1001-shipped']);
  });

  it.each([
    ['verify.start', '/v1/verify/send', { sessionId: 'vs_1', status: 'pending' }],
    ['verify.check', '/v1/verify/check', { valid: true, status: 'approved' }],
  ] as const)('sends a key with %s too', async (method, path, body) => {
    const seen = answer('post', path, () => Response.json(body));
    const client = createClient({ publicKey, relayUrl });

    await (method === 'verify.start'
      ? client.verify.start({ to: '+212612345678' }, { idempotencyKey: 'caller-key' })
      : client.verify.check({ sessionId: 'vs_1', code: '123456' }));

    expect(keysOf(seen)[0]).toMatch(method === 'verify.start' ? /^caller-key$/ : uuid);
  });

  it('sends no key with a GET', async () => {
    const seen = answer('get', '/v1/messages/:id', () => Response.json({ id: 'msg_1', status: 'sent' }));
    const client = createClient({ publicKey, relayUrl });

    await client.status('msg_1');

    expect(keysOf(seen)).toEqual([null]);
  });

  it('makes a UUID v4 from getRandomValues where randomUUID is missing (plain-http pages)', async () => {
    const seen = answer('post', '/v1/messages', accepted());
    const { getRandomValues } = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: getRandomValues.bind(globalThis.crypto) });
    const client = createClient({ publicKey, relayUrl });

    await client.send(message);

    expect(keysOf(seen)[0]).toMatch(uuid);
  });
});
