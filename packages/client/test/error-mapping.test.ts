import { errorStatus, type ErrorCode } from '@messagejs/shared-types';
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createClient, isMessageJSError, MessageJSError } from '@messagejs/client';
import { answer, publicKey, rejectionOf, relayError, relayUrl, useRelay } from './helpers/relay.js';

useRelay();

// retries: 0 so that 429 and 5xx answers are mapped at once.
const client = () => createClient({ publicKey, relayUrl, retries: 0 });
const message = { template: 'order_update', to: '+212612345678' };

const relayCodes = (Object.entries(errorStatus) as [ErrorCode, number][]).filter(([, status]) => status !== 0);

describe('error mapping', () => {
  it.each(relayCodes)('maps the relay error %s (%i) to a MessageJSError', async (code, status) => {
    answer('post', '/v1/messages', relayError(code, { field: 'params.order', headers: { 'X-Request-Id': 'req_42' } }));

    const error = await rejectionOf(client().send(message));

    expect(error).toBeInstanceOf(MessageJSError);
    expect(error).toMatchObject({
      name: 'MessageJSError',
      code,
      status,
      requestId: 'req_42',
      field: 'params.order',
      message: `Request failed with ${code} (${status}): POST https://relay.example/v1/messages — The relay says ${code}`,
    });
    expect((error as MessageJSError).cause).toMatchObject({ name: 'HTTPError' });
  });

  it('takes the request id from the error body when the header is missing', async () => {
    answer('post', '/v1/messages', () =>
      HttpResponse.json(
        { error: { code: 'validation_failed', message: 'to is required', field: 'to', requestId: 'req_body' } },
        { status: 400 },
      ),
    );

    await expect(client().send(message)).rejects.toMatchObject({ requestId: 'req_body', field: 'to' });
  });

  it('carries the number type of a `number_type_not_allowed` answer', async () => {
    answer('post', '/v1/messages', () =>
      HttpResponse.json(
        {
          error: {
            code: 'number_type_not_allowed',
            message: 'Numbers of type premium_rate are not allowed',
            field: 'to',
            numberType: 'premium_rate',
          },
        },
        { status: 403 },
      ),
    );

    const error = await rejectionOf(client().send(message));

    expect(error).toMatchObject({
      code: 'number_type_not_allowed',
      status: 403,
      field: 'to',
      numberType: 'premium_rate',
      message:
        'Request failed with number_type_not_allowed (403): POST https://relay.example/v1/messages — Numbers of type premium_rate are not allowed',
    });
  });

  it('leaves `numberType` undefined when the answer has none', async () => {
    answer('post', '/v1/messages', relayError('validation_failed', { field: 'to' }));

    const error = await rejectionOf(client().send(message));

    expect(error).toMatchObject({ code: 'validation_failed', field: 'to' });
    expect((error as MessageJSError).numberType).toBeUndefined();
  });

  it('maps an HTML 502 from a proxy to `bad_response` with the status', async () => {
    const seen = answer('post', '/v1/messages', () =>
      HttpResponse.html('<html><body><h1>502 Bad Gateway</h1></body></html>', { status: 502 }),
    );

    const error = await rejectionOf(createClient({ publicKey, relayUrl, retries: 1 }).send(message));

    expect(error).toMatchObject({ code: 'bad_response', status: 502 });
    expect((error as Error).message).toMatch(
      /^Request failed with bad_response \(502\): POST https:\/\/relay\.example\/v1\/messages — .*text\/html/,
    );
    expect(seen).toHaveLength(2);
  });

  it('maps a JSON error without a code to `bad_response`', async () => {
    answer('post', '/v1/messages', () => HttpResponse.json({ message: 'Forbidden' }, { status: 403 }));

    await expect(client().send(message)).rejects.toMatchObject({ code: 'bad_response', status: 403 });
  });

  it.each([
    ['a non-JSON 2xx', () => HttpResponse.text('OK', { status: 200 })],
    ['an empty 204', () => new HttpResponse(null, { status: 204 })],
    ['JSON without an id', () => HttpResponse.json({ ok: true }, { status: 202 })],
    ['a JSON string', () => HttpResponse.json('id', { status: 202 })],
  ])('maps %s to `bad_response` with the status', async (_, body) => {
    answer('post', '/v1/messages', body);

    const error = await rejectionOf(client().send(message));

    expect(isMessageJSError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'bad_response', status: expect.any(Number) });
    expect((error as MessageJSError).status).toBeGreaterThanOrEqual(200);
  });

  it('carries the Retry-After seconds of any error answer', async () => {
    answer('post', '/v1/messages', relayError('resend_cooldown', { headers: { 'Retry-After': '90' } }));

    await expect(client().send(message)).rejects.toMatchObject({ code: 'resend_cooldown', retryAfter: 90 });
  });
});

describe('isMessageJSError', () => {
  it.each([
    ['a MessageJSError', new MessageJSError('x', { code: 'timeout' }), true],
    ['an error from another realm or bundle', Object.assign(new Error('x'), { name: 'MessageJSError' }), true],
    ['a TypeError', new TypeError('x'), false],
    ['a string', 'MessageJSError', false],
    ['null', null, false],
    ['undefined', undefined, false],
  ])('tells %s: %s', (_, value, expected) => {
    expect(isMessageJSError(value)).toBe(expected);
  });

  it('builds an error with defaults for status and the optional fields', () => {
    const cause = new Error('root');
    const error = new MessageJSError('boom', { code: 'network_error', cause });

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'MessageJSError', code: 'network_error', status: 0, message: 'boom' });
    expect(error.cause).toBe(cause);
    expect(error.requestId).toBeUndefined();
    expect(error.numberType).toBeUndefined();
  });
});
