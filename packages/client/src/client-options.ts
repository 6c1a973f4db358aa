/**
 * Options of `messagejs.init` and `createClient`. Give exactly one of `publicKey` (web pages)
 * and `secretKey` (servers).
 */
export interface ClientOptions {
  /**
   * A public key (`pk_…`) of your project: safe to put in a web page. It may only send the
   * project's templates, from the origins the project allows.
   * @example 'pk_4fJ9xQ…'
   */
  publicKey?: string;
  /**
   * A secret key (`sk_…`): for servers only. It may send free text and templates to any
   * recipient. Refused where `window` and `document` exist, because a key in a page is public.
   * @example process.env.MESSAGEJS_SECRET_KEY
   */
  secretKey?: string;
  /**
   * The base URL of your MessageJS relay (a path prefix is kept).
   * @example 'https://relay.example.com'
   */
  relayUrl: string;
  /**
   * Milliseconds to wait for the relay's answer, per attempt (and then for the answer's body).
   * A request that runs out of time is retried like a network failure, so a relay that never
   * answers fails the call with `timeout` after about `timeout × (retries + 1)` plus the waits
   * between attempts.
   * @default 10000
   * @example 5_000
   */
  timeout?: number;
  /**
   * How many times to retry after a network failure, a timeout, or a `408`, `429` or `5xx`
   * answer. Waits 0.3 s, 0.6 s, 1.2 s … (with jitter, at most 10 s) between attempts, or what
   * the relay's `Retry-After` asks for; a `Retry-After` over 60 s is not waited for — the call
   * fails with `retryAfter` set instead. Sends stay safe to retry: each carries one
   * `Idempotency-Key` for all its attempts.
   * @default 2
   * @example 0
   */
  retries?: number;
  /**
   * Extra headers sent with every request. `Authorization` is always set from the key.
   * @default {}
   * @example { 'X-Tenant': 'acme' }
   */
  headers?: Record<string, string>;
  /**
   * A `fetch` implementation to use instead of the global one (tests, proxies, old runtimes).
   * @default globalThis.fetch
   * @example (input, init) => fetch(input, { ...init, dispatcher: agent })
   */
  fetch?: typeof globalThis.fetch;
}

/** Options after validation, as the transport uses them. */
export interface ResolvedOptions {
  key: string;
  relayUrl: string;
  timeout: number;
  retries: number;
  headers: Record<string, string>;
  fetch: typeof globalThis.fetch | undefined;
}

const example = "{ publicKey: 'pk_…', relayUrl: 'https://relay.example.com' }";

/** Throws the `TypeError` for one bad option: the problem, then the call that would fix it. */
type Fail = (problem: string, fix?: string) => never;

/**
 * Validates options once, at creation, with messages that say how to fix them.
 * `caller` names the function in those messages (`init` or `createClient`).
 */
export function resolveOptions(options: ClientOptions | undefined, caller: string): ResolvedOptions {
  const fail: Fail = (problem, fix = example) => {
    throw new TypeError(`${problem}: ${caller}(${fix})`);
  };
  if (!options || typeof options !== 'object') fail('MessageJS needs options');
  const { publicKey, secretKey, relayUrl, timeout = 10_000, retries = 2, headers = {}, fetch, ...unknown } = options;
  // A misspelt option would otherwise be dropped without a word (issue 12). The list is every
  // option of `ClientOptions`, the ones taken above.
  for (const name in unknown) {
    fail(
      `Unknown option \`${name}\`; the options are publicKey, secretKey, relayUrl, timeout, retries, headers, fetch`,
    );
  }

  if (publicKey != null && secretKey != null) {
    fail(
      'Pass either the `publicKey` or the `secretKey` option, not both: a public key for web pages, a secret key for servers',
    );
  }
  if (secretKey == null) {
    if (publicKey == null && 'secretKey' in options) {
      fail(
        'The `secretKey` option is empty: is its environment variable set?',
        "{ secretKey: process.env.MESSAGEJS_SECRET_KEY, relayUrl: 'https://relay.example.com' }",
      );
    }
    if (!publicKey) {
      fail(
        caller === 'init'
          ? 'The `publicKey` option is required'
          : 'The `publicKey` (web pages) or `secretKey` (servers) option is required',
      );
    }
    if (typeof publicKey !== 'string' || !publicKey.startsWith('pk_')) {
      fail(
        `The \`publicKey\` option must be a public key starting with "pk_"${
          String(publicKey).startsWith('sk_')
            ? ' (this is a secret key: keep it on your server and pass it as `secretKey` there)'
            : ''
        }`,
      );
    }
  } else {
    const fix = "{ secretKey: process.env.MESSAGEJS_SECRET_KEY, relayUrl: 'https://relay.example.com' }";
    if (typeof secretKey !== 'string' || !secretKey.startsWith('sk_')) {
      fail('The `secretKey` option must be a secret key starting with "sk_"', fix);
    }
    // docs/architecture.md, "Security model": anyone can read a key that ships in a page.
    if (typeof window !== 'undefined' && typeof document !== 'undefined') {
      fail(
        'A secret key (sk_…) must never be used in a web page, where anyone can read it. Secret keys are for servers; in a page, use a public key',
      );
    }
  }

  const baseUrl = resolveRelayUrl(relayUrl, fail);

  if (typeof timeout !== 'number' || !(timeout > 0 && timeout <= 2_147_483_647)) {
    fail(
      `The \`timeout\` option must be a number of milliseconds above 0, got ${String(timeout)}`,
      '{ …, timeout: 10_000 }',
    );
  }
  if (!Number.isInteger(retries) || retries < 0) {
    fail(`The \`retries\` option must be a whole number, 0 or more, got ${String(retries)}`, '{ …, retries: 2 }');
  }
  if (typeof headers !== 'object' || headers === null) {
    fail('The `headers` option must be an object of header names to values', "{ …, headers: { 'X-Tenant': 'acme' } }");
  }
  if (fetch !== undefined && typeof fetch !== 'function') {
    fail('The `fetch` option must be a function with the signature of `fetch`', '{ …, fetch: myFetch }');
  }
  if (!fetch && typeof globalThis.fetch !== 'function') {
    fail('This runtime has no global `fetch`: pass one as the `fetch` option', '{ …, fetch: myFetch }');
  }

  return { key: (secretKey ?? publicKey)!, relayUrl: baseUrl, timeout, retries, headers, fetch };
}

/** `relayUrl` without its trailing slashes, once it is known to be an absolute http(s) URL. */
function resolveRelayUrl(relayUrl: string, fail: Fail): string {
  if (!relayUrl) fail('The `relayUrl` option is required');
  let url: URL | undefined;
  try {
    url = new URL(relayUrl);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    fail(`The \`relayUrl\` option must be an absolute http(s) URL, got ${JSON.stringify(relayUrl)}`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}
