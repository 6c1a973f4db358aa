import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callProvider, httpError, parseRetryAfter, rebase } from '../../src/providers/http.js';
import { ConnectorError } from '../../src/providers/types.js';
import { rejection, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it.each([
    ['120', 120_000],
    ['1.5', 1500],
    ['Wed, 01 May 2024 12:00:30 GMT', 30_000],
    ['Wed, 01 May 2024 11:00:00 GMT', 0],
    ['soon', null],
    ['', null],
    [null, null],
  ])('reads %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('rebase', () => {
  it('moves a URL onto the base, keeping path and query', () => {
    expect(rebase('https://hooks.slack.com/services/T/B/X?a=1', 'http://127.0.0.1:4000/')).toBe(
      'http://127.0.0.1:4000/services/T/B/X?a=1',
    );
    expect(rebase('https://hooks.slack.com/services/T/B/X', undefined)).toBe('https://hooks.slack.com/services/T/B/X');
  });
});

describe('callProvider', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider();
  });
  afterAll(() => fake.close());

  it('sends JSON and form bodies and parses JSON or text answers', async () => {
    fake.reply({ body: { ok: true } });
    const json = await callProvider({
      provider: 'P',
      method: 'POST',
      url: `${fake.url}/a`,
      json: { a: 1 },
      signal: AbortSignal.timeout(5000),
    });
    expect(json).toMatchObject({ status: 200, body: { ok: true } });
    expect(fake.last()).toMatchObject({ json: { a: 1 } });
    expect(fake.last().headers['content-type']).toBe('application/json');

    fake.reply({ body: 'ok' });
    const form = await callProvider({
      provider: 'P',
      method: 'POST',
      url: `${fake.url}/b`,
      form: { a: '1 2' },
      signal: AbortSignal.timeout(5000),
    });
    expect(form.body).toBe('ok');
    expect(fake.last().body).toBe('a=1+2');
  });

  it('resolves with error answers, leaving their mapping to the connector', async () => {
    fake.reply({ status: 503, body: { error: 'down' } });
    await expect(
      callProvider({ provider: 'P', method: 'GET', url: fake.url, signal: AbortSignal.timeout(5000) }),
    ).resolves.toMatchObject({ status: 503 });
  });

  it('rejects with a transient provider_timeout when the signal fires', async () => {
    fake.reply({ delayMs: 5000 });
    const error = await rejection(
      callProvider({ provider: 'P', method: 'GET', url: fake.url, signal: AbortSignal.timeout(50) }),
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'transient', code: 'provider_timeout', message: 'P did not answer in time' });
  });

  it('rejects with a transient provider_unavailable when nothing listens, without the URL in the message', async () => {
    const gone = await startFakeProvider();
    await gone.close();
    const error = await rejection(
      callProvider({
        provider: 'P',
        method: 'GET',
        url: `${gone.url}/bot123:secret/getMe`,
        signal: AbortSignal.timeout(5000),
      }),
    );
    expect(error).toMatchObject({ kind: 'transient', code: 'provider_unavailable', providerCode: 'ECONNREFUSED' });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('secret');
  });
});

describe('httpError', () => {
  const response = (status: number, headers: Record<string, string> = {}) => ({
    status,
    headers: new Headers(headers),
    body: null,
  });
  it.each([
    [429, { 'retry-after': '10' }, 'transient', 'provider_rate_limited', 10_000],
    [408, {}, 'transient', 'provider_unavailable', null],
    [500, {}, 'transient', 'provider_unavailable', null],
    [503, { 'retry-after': '5' }, 'transient', 'provider_unavailable', 5000],
    [401, {}, 'permanent', 'provider_auth_failed', null],
    [403, {}, 'permanent', 'provider_auth_failed', null],
    [400, {}, 'permanent', 'provider_rejected', null],
    [404, {}, 'permanent', 'provider_rejected', null],
  ] as const)('maps HTTP %i to %s %s', (status, headers, kind, code, retryAfterMs) => {
    expect(httpError('P', response(status, headers))).toMatchObject({
      kind,
      code,
      retryAfterMs,
      providerCode: String(status),
    });
  });
});
