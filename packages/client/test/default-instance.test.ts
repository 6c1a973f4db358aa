import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageJS } from '@messagejs/client';
import { accepted, answer, publicKey, rejectionOf, relayUrl, secretKey, useRelay } from './helpers/relay.js';

useRelay();

// The default instance keeps its configuration in module state: each test gets a fresh module.
let messagejs: MessageJS;
beforeEach(async () => {
  vi.resetModules();
  messagejs = (await import('@messagejs/client')).default;
});

describe('messagejs (default instance)', () => {
  it.each([
    ['send', () => messagejs.send({ template: 'contact' })],
    ['sendForm', () => messagejs.sendForm('#contact-form', { template: 'contact' })],
    ['status', () => messagejs.status('msg_1')],
    ['verify.start', () => messagejs.verify.start({ to: '+212612345678' })],
    ['verify.check', () => messagejs.verify.check({ sessionId: 'vs_1', code: '123456' })],
  ])('rejects %s before init with a TypeError that says to call init first', async (_, call) => {
    const error = await rejectionOf(call());

    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      "MessageJS is not set up yet: call messagejs.init({ publicKey: 'pk_…', relayUrl: 'https://relay.example.com' }) first",
    );
  });

  it('sends after init({ publicKey, relayUrl })', async () => {
    const seen = answer('post', '/v1/messages', accepted());
    messagejs.init({ publicKey, relayUrl });

    const { id, status } = await messagejs.send({
      template: 'order_update',
      to: '+212612345678',
      params: { order: 'A-1001', eta: 'tomorrow' },
    });

    expect({ id, status }).toEqual({ id: 'msg_01HZX3', status: 'queued' });
    expect(seen[0]!.headers.get('authorization')).toBe(`Bearer ${publicKey}`);
  });

  it("sends after init('pk_…', { relayUrl })", async () => {
    const seen = answer('post', '/v1/messages', accepted());
    messagejs.init(publicKey, { relayUrl, retries: 0 });

    await messagejs.send({ template: 'contact' });

    expect(seen[0]!.headers.get('authorization')).toBe(`Bearer ${publicKey}`);
  });

  it('throws the exact fix when init gets no public key', () => {
    expect(() => messagejs.init({ relayUrl } as never)).toThrow(
      new TypeError(
        "The `publicKey` option is required: init({ publicKey: 'pk_…', relayUrl: 'https://relay.example.com' })",
      ),
    );
  });

  it('throws a TypeError when init gets both keys', () => {
    expect(() => messagejs.init({ publicKey, secretKey, relayUrl })).toThrow(
      /^Pass either the `publicKey` or the `secretKey` option, not both.*: init\(/,
    );
  });

  it('refuses unknown options in either form, with the list of valid ones, and stays unset', async () => {
    const valid = 'the options are publicKey, secretKey, relayUrl, timeout, retries, headers, fetch';
    expect(() => messagejs.init({ publicKey, relayUrl, retry: 3 } as never)).toThrow(
      new TypeError(
        `Unknown option \`retry\`; ${valid}: init({ publicKey: 'pk_…', relayUrl: 'https://relay.example.com' })`,
      ),
    );
    expect(() => messagejs.init(publicKey, { relayUrl, fallbackAfter: 60 } as never)).toThrow(
      /^Unknown option `fallbackAfter`; the options are /,
    );
    expect(await rejectionOf(messagejs.send({ template: 'contact' }))).toBeInstanceOf(TypeError);
  });

  it("names the fix when init('…') gets a secret key", () => {
    expect(() => messagejs.init(secretKey, { relayUrl })).toThrow(/starting with "pk_" \(this is a secret key/);
  });

  it('reads a status and verifies through the same instance', async () => {
    answer('get', '/v1/messages/:id', () => Response.json({ id: 'msg_1', status: 'delivered' }));
    answer('post', '/v1/verify/send', () => Response.json({ sessionId: 'vs_1', status: 'pending' }));
    answer('post', '/v1/verify/check', () => Response.json({ valid: true, status: 'approved', token: 'jwt' }));
    messagejs.init({ publicKey, relayUrl });

    await expect(messagejs.status('msg_1')).resolves.toMatchObject({ status: 'delivered' });
    await expect(messagejs.messages.get('msg_1')).resolves.toMatchObject({ status: 'delivered' });
    await expect(messagejs.verify.start({ to: '+212612345678', channel: 'sms' })).resolves.toMatchObject({
      sessionId: 'vs_1',
    });
    await expect(messagejs.verify.check({ sessionId: 'vs_1', code: '123456' })).resolves.toMatchObject({
      valid: true,
      token: 'jwt',
    });
  });
});
