import { delay, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createClient, MessageJSError } from '@messagejs/client';
import { accepted, answer, publicKey, rejectionOf, relayUrl, useRelay } from './helpers/relay.js';

useRelay();

const message = { template: 'order_update', to: '+212612345678' };
const never = async () => {
  await delay('infinite');
  return HttpResponse.json({});
};

describe('timeout', () => {
  it('rejects with code `timeout` when the relay does not answer in time', async () => {
    const seen = answer('post', '/v1/messages', never);
    const client = createClient({ publicKey, relayUrl, timeout: 200, retries: 0 });
    const started = performance.now();

    const error = await rejectionOf(client.send(message));

    expect(error).toBeInstanceOf(MessageJSError);
    expect(error).toMatchObject({ code: 'timeout', status: 0, message: expect.stringContaining('timeout') });
    expect((error as Error).message).toMatch(
      /^Request failed with timeout: POST https:\/\/relay\.example\/v1\/messages — no answer within 200 ms$/,
    );
    expect((error as MessageJSError).cause).toMatchObject({ name: 'TimeoutError' });
    expect(seen).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('retries a timeout, within timeout × (retries + 1) plus the backoff', async () => {
    const seen = answer('post', '/v1/messages', never);
    const client = createClient({ publicKey, relayUrl, timeout: 200, retries: 2 });
    const started = performance.now();

    await expect(client.send(message)).rejects.toMatchObject({ code: 'timeout' });

    const elapsed = performance.now() - started;
    expect(seen).toHaveLength(3);
    // 3 × 200 ms, plus backoff waits of at most 300 ms and 600 ms.
    expect(elapsed).toBeGreaterThanOrEqual(600 + 150 + 300 - 20);
    expect(elapsed).toBeLessThan(3 * 200 + 900 + 1000);
  });

  it('resolves when a retry after a timeout is answered', async () => {
    const seen = answer('post', '/v1/messages', never, accepted());
    const client = createClient({ publicKey, relayUrl, timeout: 200 });

    await expect(client.send(message)).resolves.toMatchObject({ id: 'msg_01HZX3' });
    expect(seen).toHaveLength(2);
  });

  it('rejects with `timeout` when the body stops arriving after the headers', async () => {
    answer(
      'post',
      '/v1/messages',
      () =>
        new HttpResponse(
          new ReadableStream({
            start: (controller) => controller.enqueue(new TextEncoder().encode('{"id":')),
          }),
          { status: 202, headers: { 'content-type': 'application/json' } },
        ),
    );
    const client = createClient({ publicKey, relayUrl, timeout: 200, retries: 0 });

    await expect(client.send(message)).rejects.toMatchObject({ code: 'timeout', status: 0 });
  });
});
