import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, type ClientOptions } from '@messagejs/client';
import { publicKey, relayUrl, secretKey } from './helpers/relay.js';

afterEach(() => vi.unstubAllGlobals());

const relay = "relayUrl: 'https://relay.example.com'";

describe('createClient options', () => {
  it.each([
    [
      'no options',
      undefined,
      /^MessageJS needs options: createClient\(\{ publicKey: 'pk_…', relayUrl: 'https:\/\/relay\.example\.com' \}\)$/,
    ],
    [
      'no key',
      { relayUrl },
      /^The `publicKey` \(web pages\) or `secretKey` \(servers\) option is required: createClient\(/,
    ],
    [
      'both keys',
      { publicKey, secretKey, relayUrl },
      /^Pass either the `publicKey` or the `secretKey` option, not both/,
    ],
    [
      'a public key without pk_',
      { publicKey: 'abc', relayUrl },
      /^The `publicKey` option must be a public key starting with "pk_": createClient\(/,
    ],
    [
      'a secret key as publicKey',
      { publicKey: secretKey, relayUrl },
      /this is a secret key: keep it on your server and pass it as `secretKey` there/,
    ],
    [
      'a secret key without sk_',
      { secretKey: 'pk_x', relayUrl },
      /^The `secretKey` option must be a secret key starting with "sk_": createClient\(\{ secretKey: process\.env\.MESSAGEJS_SECRET_KEY/,
    ],
    [
      'an unset secret key variable',
      { secretKey: undefined, relayUrl },
      /^The `secretKey` option is empty: is its environment variable set\?/,
    ],
    [
      'no relayUrl',
      { publicKey },
      new RegExp(
        `^The \`relayUrl\` option is required: createClient\\(\\{ publicKey: 'pk_…', ${relay.replace(/[.]/g, '\\.')} \\}\\)$`,
      ),
    ],
    [
      'a relative relayUrl',
      { publicKey, relayUrl: '/relay' },
      /^The `relayUrl` option must be an absolute http\(s\) URL, got "\/relay": createClient\(/,
    ],
    [
      'a non-http relayUrl',
      { publicKey, relayUrl: 'ftp://relay.example' },
      /^The `relayUrl` option must be an absolute http\(s\) URL, got "ftp:\/\/relay\.example"/,
    ],
    [
      'a zero timeout',
      { publicKey, relayUrl, timeout: 0 },
      /^The `timeout` option must be a number of milliseconds above 0, got 0: createClient\(\{ …, timeout: 10_000 \}\)$/,
    ],
    ['a string timeout', { publicKey, relayUrl, timeout: '5s' }, /^The `timeout` option must be a number/],
    [
      'negative retries',
      { publicKey, relayUrl, retries: -1 },
      /^The `retries` option must be a whole number, 0 or more, got -1/,
    ],
    ['fractional retries', { publicKey, relayUrl, retries: 1.5 }, /^The `retries` option must be a whole number/],
    [
      'headers that are not an object',
      { publicKey, relayUrl, headers: 'x' },
      /^The `headers` option must be an object/,
    ],
    ['a fetch that is not a function', { publicKey, relayUrl, fetch: 'x' }, /^The `fetch` option must be a function/],
    [
      'an unknown option, listing the valid ones',
      { publicKey, relayUrl, fallbackAfter: 300 },
      /^Unknown option `fallbackAfter`; the options are publicKey, secretKey, relayUrl, timeout, retries, headers, fetch: createClient\(\{ publicKey: 'pk_…'/,
    ],
    [
      'a misspelt option, before the option it misses',
      { publickey: publicKey, relayUrl },
      /^Unknown option `publickey`; the options are publicKey, secretKey,/,
    ],
  ])('throws a TypeError that says how to fix %s', (_, options, message) => {
    expect(() => createClient(options as unknown as ClientOptions)).toThrow(TypeError);
    expect(() => createClient(options as unknown as ClientOptions)).toThrow(message);
  });

  it('throws when there is no global fetch and none is passed', () => {
    vi.stubGlobal('fetch', undefined);

    expect(() => createClient({ publicKey, relayUrl })).toThrow(/no global `fetch`: pass one as the `fetch` option/);
    expect(() => createClient({ publicKey, relayUrl, fetch: async () => new Response() })).not.toThrow();
  });

  it.each([
    ['a public key', { publicKey, relayUrl }],
    ['a secret key on a server', { secretKey, relayUrl }],
    [
      'every option',
      {
        publicKey,
        relayUrl: 'http://localhost:8787/',
        timeout: 5000,
        retries: 0,
        headers: { 'X-Tenant': 'acme' },
        fetch,
      },
    ],
  ])('accepts %s', (_, options) => {
    expect(createClient(options)).toMatchObject({
      send: expect.any(Function),
      verify: { start: expect.any(Function) },
    });
  });
});

describe('a secret key in a web page', () => {
  it('throws at createClient, saying why', () => {
    vi.stubGlobal('window', {});
    vi.stubGlobal('document', {});

    expect(() => createClient({ secretKey, relayUrl })).toThrow(TypeError);
    expect(() => createClient({ secretKey, relayUrl })).toThrow(
      /^A secret key \(sk_…\) must never be used in a web page, where anyone can read it\. Secret keys are for servers; in a page, use a public key: createClient\(/,
    );
  });

  it('still accepts a public key in a web page', () => {
    vi.stubGlobal('window', {});
    vi.stubGlobal('document', {});

    expect(() => createClient({ publicKey, relayUrl })).not.toThrow();
  });

  it('accepts a secret key where only `window`-less globals exist (a worker, Deno)', () => {
    vi.stubGlobal('document', undefined);
    vi.stubGlobal('window', {});

    expect(() => createClient({ secretKey, relayUrl })).not.toThrow();
  });
});
