import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createClient, MessageJSError } from '@messagejs/client';
import {
  accepted,
  answer,
  networkError,
  publicKey,
  rejectionOf,
  relayError,
  relayUrl,
  useRelay,
} from './helpers/relay.js';

useRelay();

const message = { template: 'order_update', to: '+212612345678', params: { order: 'A-1001' } };

describe('messages.send retries', () => {
  it.each([
    ['a 500', relayError('internal_error')],
    ['a 502', relayError('provider_error')],
    ['a 503', relayError('not_ready')],
    ['a 504', () => HttpResponse.json({ error: { code: 'internal_error', message: 'gateway' } }, { status: 504 })],
    ['a 408', () => HttpResponse.json({ error: { code: 'internal_error', message: 'slow' } }, { status: 408 })],
    ['a 429 without Retry-After', relayError('rate_limited')],
    ['a network error', networkError],
  ])('retries %s and resolves with the next answer', async (_, failure) => {
    const seen = answer('post', '/v1/messages', failure, accepted());
    const client = createClient({ publicKey, relayUrl });

    await expect(client.send(message)).resolves.toMatchObject({ id: 'msg_01HZX3', status: 'queued' });
    expect(seen).toHaveLength(2);
  });

  it('makes `retries` + 1 attempts, then rejects with the last answer', async () => {
    const seen = answer('post', '/v1/messages', relayError('not_ready'));
    const client = createClient({ publicKey, relayUrl, retries: 2 });

    const error = await rejectionOf(client.send(message));

    expect(error).toBeInstanceOf(MessageJSError);
    expect(error).toMatchObject({ code: 'not_ready', status: 503 });
    expect(seen).toHaveLength(3);
  });

  it('waits longer before each retry (exponential backoff with jitter)', async () => {
    const seen = answer('post', '/v1/messages', relayError('internal_error'), relayError('internal_error'), accepted());
    const client = createClient({ publicKey, relayUrl, retries: 2 });

    await client.send(message);

    const [first, second, third] = seen.map((request) => request.at);
    // ky's delay is 300 ms · 2^(n-1); the jitter keeps 50–100 % of it.
    expect(second! - first!).toBeGreaterThanOrEqual(140);
    expect(second! - first!).toBeLessThan(900);
    expect(third! - second!).toBeGreaterThanOrEqual(290);
    expect(third! - second!).toBeLessThan(1400);
  });

  it.each([
    ['validation_failed' as const],
    ['unauthorized' as const],
    ['template_not_found' as const],
    ['idempotency_conflict' as const],
    ['resend_cooldown' as const],
    ['verify_send_limit' as const],
    ['max_attempts_reached' as const],
  ])('does not retry %s', async (code) => {
    const seen = answer('post', '/v1/messages', relayError(code), accepted());
    const client = createClient({ publicKey, relayUrl });

    await expect(client.send(message)).rejects.toMatchObject({ code });
    expect(seen).toHaveLength(1);
  });

  it('makes one attempt with `retries: 0`', async () => {
    const seen = answer('post', '/v1/messages', relayError('internal_error'));
    const client = createClient({ publicKey, relayUrl, retries: 0 });

    await expect(client.send(message)).rejects.toMatchObject({ code: 'internal_error', status: 500 });
    expect(seen).toHaveLength(1);
  });

  it('retries a GET of a message too', async () => {
    const seen = answer('get', '/v1/messages/:id', relayError('not_ready'), () =>
      HttpResponse.json({ id: 'msg_01HZX3', status: 'delivered' }),
    );
    const client = createClient({ publicKey, relayUrl });

    await expect(client.status('msg_01HZX3')).resolves.toMatchObject({ status: 'delivered' });
    expect(seen).toHaveLength(2);
  });
});
