import { describe, expect, it } from 'vitest';
import { createClient } from '@messagejs/client';
import { accepted, answer, publicKey, rejectionOf, relayError, relayUrl, useRelay } from './helpers/relay.js';

useRelay();

const message = { template: 'order_update', to: '+212612345678' };

describe('Retry-After', () => {
  it('waits the seconds a 429 asks for before retrying', async () => {
    const seen = answer(
      'post',
      '/v1/messages',
      relayError('rate_limited', { headers: { 'Retry-After': '1' } }),
      accepted(),
    );
    const client = createClient({ publicKey, relayUrl });

    await expect(client.send(message)).resolves.toMatchObject({ id: 'msg_01HZX3' });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('waits until an HTTP-date on a 503', async () => {
    const soon = new Date(Date.now() + 2000).toUTCString(); // second precision: 1–2 s from now
    const seen = answer(
      'post',
      '/v1/messages',
      relayError('not_ready', { headers: { 'Retry-After': soon } }),
      accepted(),
    );
    const client = createClient({ publicKey, relayUrl });

    await client.send(message);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it('does not wait a Retry-After over 60 s: rejects at once with `retryAfter`', async () => {
    const seen = answer(
      'post',
      '/v1/messages',
      relayError('rate_limited', { headers: { 'Retry-After': '120' } }),
      accepted(),
    );
    const client = createClient({ publicKey, relayUrl });
    const started = performance.now();

    const error = await rejectionOf(client.send(message));

    expect(error).toMatchObject({ name: 'MessageJSError', code: 'rate_limited', status: 429, retryAfter: 120 });
    expect(seen).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reports `retryAfter` when the retries run out', async () => {
    const seen = answer('post', '/v1/verify/send', relayError('rate_limited', { headers: { 'Retry-After': '0' } }));
    const client = createClient({ publicKey, relayUrl, retries: 1 });

    await expect(client.verify.start({ to: '+212612345678' })).rejects.toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryAfter: 0,
    });
    expect(seen).toHaveLength(2);
  });
});
