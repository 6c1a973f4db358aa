import { describe, expect, it } from 'vitest';
import { createClient, MessageJSError } from '@messagejs/client';
import { answer, networkError, publicKey, rejectionOf, relayUrl, useRelay } from './helpers/relay.js';

useRelay();

describe('network errors', () => {
  it('rejects with code `network_error` after retrying', async () => {
    const seen = answer('post', '/v1/messages', networkError);
    const client = createClient({ publicKey, relayUrl, retries: 1 });

    const error = await rejectionOf(client.send({ template: 'order_update' }));

    expect(error).toBeInstanceOf(MessageJSError);
    expect(error).toMatchObject({ code: 'network_error', status: 0, requestId: undefined });
    expect((error as Error).message).toMatch(
      /^Request failed with network_error: POST https:\/\/relay\.example\/v1\/messages — /,
    );
    expect((error as MessageJSError).cause).toBeInstanceOf(TypeError);
    expect(seen).toHaveLength(2);
  });

  it('rejects with `network_error` when a custom fetch throws', async () => {
    const client = createClient({
      publicKey,
      relayUrl,
      retries: 0,
      fetch: () => Promise.reject(new TypeError('connection refused')),
    });

    await expect(client.status('msg_1')).rejects.toMatchObject({
      code: 'network_error',
      message: 'Request failed with network_error: GET https://relay.example/v1/messages/msg_1 — connection refused',
    });
  });
});
