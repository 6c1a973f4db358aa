import http from 'node:http';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConnector, setLimits } from '@messagejs/relay';
import { DEMO_ORIGIN, startRelay, type TestRelay } from '../helpers/start-relay.js';
import { watchWrites, type WriteCounter } from '../helpers/store-snapshot.js';

/**
 * Malformed requests across every route, over real HTTP (`node:http`, so malformed bytes really
 * go out): no 5xx, no answer slower than 1 s, the process alive, the database unchanged after
 * every 4xx. `FUZZ_RUNS` sets the count (a few hundred in `pnpm test`, 10,000 in `.ci/run`);
 * `FUZZ_SEED` picks the inputs (the seed is printed on failure): a fixed one by default, so that a
 * test run never fails on inputs no one can name in advance; `FUZZ_SEED=random` explores new ones.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED =
  process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 20261129);
const SLOW_MS = 1000;

let t: TestRelay;
let port: number;
let writes: WriteCounter;
let connectorIds: Record<string, string>;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  // No worker: the only writes are the requests' own, so a 4xx that wrote shows at once.
  // Keys' last-used times are written every 30 s, whichever request is in flight then: pushed past
  // the run, so the write check sees only what each request itself writes.
  t = await startRelay({ env: { MESSAGEJS_WORKER: 'off', LOG_LEVEL: 'warn' }, deps: { lastUsedFlushMs: 3_600_000 } });
  port = Number(new URL(t.url).port);
  const { store, sealer } = t.relay;
  await setLimits(store, t.demo.projectId, { perIpPerMinute: 10_000_000, perKeyPerHour: 10_000_000 });
  const common = { projectId: t.demo.projectId, priority: 1000 };
  const add = async (type: string, channels: string[], config: unknown, credentials: unknown) =>
    (
      await addConnector(
        store,
        sealer,
        { ...common, type, channels: channels as never, config, credentials },
        Date.now(),
      )
    ).id;
  connectorIds = {
    twilio: await add(
      'twilio',
      ['sms'],
      { from: '+15005550006' },
      { accountSid: `AC${'a'.repeat(32)}`, authToken: 'b'.repeat(32) },
    ),
    vonage: await add(
      'vonage',
      ['sms'],
      { from: 'MessageJS' },
      { apiKey: 'k', apiSecret: 's', signatureSecret: 'vonage-signature-secret' },
    ),
    'whatsapp-cloud': await add(
      'whatsapp-cloud',
      ['whatsapp'],
      { phoneNumberId: '1234567890' },
      { accessToken: 'EAAG-test', appSecret: 'app-secret', verifyToken: 'verify-me' },
    ),
    webhook: await add('webhook', ['chat'], { url: 'http://127.0.0.1:9/hook' }, { secret: 'fuzz-webhook-secret-123' }),
    console: (await store.connectors.list(t.demo.projectId)).find((c) => c.type === 'console')!.id,
  };
  writes = await watchWrites(t.location);
});
afterAll(async () => {
  agent.destroy();
  await writes?.close();
  await t?.cleanup();
});

/** Changes whenever the relay commits a write: a cheap "did anything write" check. */
const dataVersion = () => writes.read();

// ---------- what a request is made of ----------

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
  /** Sent as several chunks (chunked transfer encoding) instead of one Content-Length body. */
  chunked: boolean;
}

const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1001', eta: 'tomorrow' } };
const validBodies: Record<string, unknown[]> = {
  '/v1/messages': [
    order,
    { to: '+212612345678', text: 'hello', channel: 'sms' },
    { template: 'contact', params: { name: 'A', email: 'a@b.co', message: 'hi' } },
  ],
  '/v1/verify/send': [
    { to: '+212612345678', channel: 'sms' },
    { to: 'a@example.com', channel: 'email' },
  ],
  '/v1/verify/check': [{ sessionId: 'vs_0000000000000000000000', code: '123456' }],
  '/v1/recipients/analyze': [{ numbers: ['+212612345678', '0612345678'], defaultCountry: 'MA' }],
};

// Bodies that never change, built once: compression bombs and large bodies.
const zeros = Buffer.alloc(8 * 1024 * 1024);
const bombs = {
  gzip: zlib.gzipSync(zeros),
  deflate: zlib.deflateSync(zeros),
  br: zlib.brotliCompressSync(zeros, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }),
};

// Over the 64 KB JSON limit, the 256 KB analyze limit and the 1 MB webhook limit.
const largeBodies = [70 * 1024, 300 * 1024, 1100 * 1024].map((n) => Buffer.from(`{"text":"${'x'.repeat(n)}"}`));

/** Path shapes: `{id}`, `{con}` and `{project}` are filled in per request. */
const routes: Array<{ path: string; methods: string[] }> = [
  { path: '/v1/messages', methods: ['POST'] },
  { path: '/v1/messages/{id}', methods: ['GET'] },
  { path: '/v1/verify/send', methods: ['POST'] },
  { path: '/v1/verify/check', methods: ['POST'] },
  { path: '/v1/verify/sessions', methods: ['GET'] },
  { path: '/v1/verify/sessions/{id}', methods: ['GET'] },
  { path: '/v1/recipients/analyze', methods: ['POST'] },
  { path: '/v1/hooks/{con}', methods: ['POST', 'GET'] },
  { path: '/v1/hooks/{con}/status', methods: ['POST', 'GET'] },
  { path: '/v1/projects/{project}/jwks.json', methods: ['GET'] },
  { path: '/healthz', methods: ['GET'] },
  { path: '/readyz', methods: ['GET'] },
  { path: '/sdk/messagejs.cjs', methods: ['GET'] },
  { path: '/sdk/messagejs-client.tgz', methods: ['GET'] },
  { path: '/sdk/{id}', methods: ['GET'] },
  { path: '/demo/config.json', methods: ['GET'] },
  { path: '/', methods: ['GET'] },
  { path: '/v1/{id}', methods: ['OPTIONS'] },
];

const weirdSegments = [
  '%',
  '%zz',
  '%ff',
  '%c0%af',
  '%00',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  'a%20b',
  '\u00ff\u00fe',
  'x'.repeat(3000),
  '',
  '%F0%9F%98%80',
  '%ED%A0%80',
  'msg_%',
  '__proto__',
  'constructor',
];

const segment = fc.oneof(
  fc.constantFrom(...weirdSegments),
  fc.constant('msg_0000000000000000000000'),
  fc.stringMatching(/^[A-Za-z0-9_%.~-]{0,40}$/),
);

const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?a[b][c][d][e][f]=1',
    '?__proto__[x]=1&constructor[prototype][y]=2',
    '?a=%ff&b=%',
    '?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42',
    '?hub.mode=subscribe&hub.verify_token=%ff&hub.challenge=%',
    `?${'a=1&'.repeat(2000)}`,
    '?x=1#frag',
    '#only',
  ),
  fc.stringMatching(/^\?[A-Za-z0-9=&%[\]._-]{0,60}$/),
);

const pathArb = fc
  .tuple(
    fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...routes.filter((r) => r.methods[0] === 'POST')) },
      { weight: 1, arbitrary: fc.constantFrom(...routes) },
    ),
    segment,
    fc.constantFrom('{con}', ...Object.keys({ twilio: 1, vonage: 1, 'whatsapp-cloud': 1, webhook: 1, console: 1 })),
    fc.boolean(),
    query,
    fc.nat(20),
  )
  .map(([route, seg, connectorType, slash, q, variant]) => {
    let p = route.path
      .replace('{id}', seg)
      .replace('{con}', variant < 16 && connectorType !== '{con}' ? connectorIds[connectorType]! : seg)
      .replace('{project}', variant < 12 ? t.demo.projectId : seg);
    if (variant === 17) p = p.toUpperCase();
    if (variant === 18) p = p.replace('/', '//');
    if (slash) p += '/';
    return { route, path: p + q };
  });

/** A nest of arrays and objects `depth` deep, as text. */
function nested(depth: number, objects: boolean): string {
  return objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

const hugeNumbers = [
  '1e999999',
  '-1e999999',
  '123456789012345678901234567890123456789',
  '-0',
  '0.0000000000000000000000000001',
  '1E+308',
  '9007199254740993',
  'NaN',
  'Infinity',
];

/** A JSON value: random shapes, large numbers and strings, odd Unicode. */
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(...hugeNumbers).map((n) => ({ raw: n })),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('\u202Egnp.exe', 'a\u200Bb', 'line\nbreak', '\uD800', '\uDFFF\uD800', 'x'.repeat(70_000), ''),
  fc.integer({ min: 1, max: 60 }).map((d) => ({ raw: nested(d, d % 2 === 0) })),
);

/** Puts a value into a base body at a random key (or replaces the whole body), as JSON text. */
function mutate(base: unknown, key: string, value: unknown): string {
  const placeholder = '"\u0000RAW\u0000"';
  const raw = value && typeof value === 'object' && 'raw' in value ? (value as { raw: string }).raw : null;
  const target = { ...(base as Record<string, unknown>) };
  if (key === 'params.x' && target.params && typeof target.params === 'object')
    target.params = { ...target.params, x: raw === null ? value : '\u0000RAW\u0000' };
  else target[key] = raw === null ? value : '\u0000RAW\u0000';
  const text = JSON.stringify(target);
  return raw === null ? text : text.replace(placeholder, raw);
}

const bodyArb = (routePath: string) => {
  const bases = validBodies[routePath] ?? [{}];
  return fc.oneof(
    // A valid body with one field replaced or added.
    {
      weight: 5,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...bases),
          fc.constantFrom(
            'to',
            'template',
            'params',
            'params.x',
            'channel',
            'text',
            'sessionId',
            'code',
            'numbers',
            'channels',
            'fallbackAfter',
            '__proto__',
            'captchaToken',
          ),
          jsonish,
        )
        .map(([b, k, v]) => Buffer.from(mutate(b, k, v))),
    },
    // Unchanged valid bodies (they may succeed: a 2xx may write).
    { weight: 1, arbitrary: fc.constantFrom(...bases).map((b) => Buffer.from(JSON.stringify(b))) },
    // Any JSON at all.
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    // Deep nesting, up to what fits in 64 KB.
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.oneof(fc.integer({ min: 20, max: 40 }), fc.integer({ min: 40, max: 12_000 })),
          fc.boolean(),
          fc.boolean(),
        )
        .map(([d, objects, wrapped]) => Buffer.from(wrapped ? `{"params":${nested(d, objects)}}` : nested(d, objects))),
    },
    // Invalid UTF-8, truncated JSON, random bytes.
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '{"to":"\xff\xfe","text":"\xc0\xaf","channel":"sms"}',
          '{"to":"+2126\xed\xa0\x80","template":"order_update"}',
          '\xef\xbb\xbf{"to":"x"}',
          '{"template":"order_update",',
          '{"a":1}{"b":2}',
          '{"a":1,"a":2,"a":{"__proto__":{"x":1}}}',
          '',
          ' ',
          'null',
          '[]',
          '"str"',
          '{"\\ud800":"\\udfff"}',
        )
        .map((s) => Buffer.from(s, 'latin1')),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
    // Too large.
    { weight: 1, arbitrary: fc.constantFrom(...largeBodies) },
  );
};

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset="',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/*',
  '*/*',
  'a/b/c;;;=',
  '',
];

const encodingArb = fc.constantFrom(
  'identity',
  'identity',
  'identity',
  'gzip',
  'deflate',
  'br',
  'gzip-garbage',
  'br-garbage',
  'gzip-bomb',
  'deflate-bomb',
  'br-bomb',
  'zstd',
  'gzip, gzip',
  'GZIP',
  'gzip-as-br',
);

function encode(body: Buffer, encoding: string): { body: Buffer; header: string | null } {
  switch (encoding) {
    case 'identity':
      return { body, header: null };
    case 'gzip':
    case 'GZIP':
      return { body: zlib.gzipSync(body), header: encoding };
    case 'deflate':
      return { body: zlib.deflateSync(body), header: 'deflate' };
    case 'br':
      return { body: zlib.brotliCompressSync(body), header: 'br' };
    case 'gzip-garbage':
      return { body: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), body]), header: 'gzip' };
    case 'br-garbage':
      return { body, header: 'br' };
    case 'gzip-bomb':
      return { body: bombs.gzip, header: 'gzip' };
    case 'deflate-bomb':
      return { body: bombs.deflate, header: 'deflate' };
    case 'br-bomb':
      return { body: bombs.br, header: 'br' };
    case 'gzip-as-br':
      return { body: zlib.gzipSync(body), header: 'br' };
    case 'gzip, gzip':
      return { body: zlib.gzipSync(zlib.gzipSync(body)), header: 'gzip, gzip' };
    default:
      return { body, header: encoding };
  }
}

/** Mostly the well-formed value, so that most requests get past the early checks and reach deeper code. */
const mostly = <T>(good: T, others: fc.Arbitrary<T>, goodWeight = 3) =>
  fc.oneof({ weight: goodWeight, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: others });

const requestArb: fc.Arbitrary<FuzzRequest> = pathArb.chain(({ route, path: p }) =>
  fc
    .record({
      method: mostly(
        route.methods[0]!,
        fc.constantFrom(
          ...route.methods,
          'GET',
          'POST',
          'PUT',
          'PATCH',
          'DELETE',
          'HEAD',
          'OPTIONS',
          'PROPFIND',
          'TRACE',
        ),
        6,
      ),
      body: bodyArb(route.path.startsWith('/v1/hooks') ? '' : route.path),
      contentType: mostly('application/json', fc.constantFrom(...contentTypes)),
      encoding: mostly('identity', encodingArb, 2),
      key: mostly('secret', fc.constantFrom('public', 'public', 'none', 'garbage', 'basic'), 2),
      origin: mostly('right', fc.constantFrom('none', 'evil', 'null', 'garbage', 'demo')),
      idempotencyKey: fc.option(
        fc.oneof(
          { weight: 4, arbitrary: fc.stringMatching(/^[\x21-\x7E]{1,40}$/) },
          fc.constant('x'.repeat(300)),
          fc.constant('\xff\xfe'),
        ),
        { freq: 4 },
      ),
      chunked: fc.boolean(),
      signature: fc.option(fc.stringMatching(/^[A-Za-z0-9+/=]{0,60}$/)),
    })
    .map((r) => {
      const headers: Record<string, string> = {};
      const keys = {
        secret: `Bearer ${t.demo.secretKey}`,
        public: `Bearer ${t.demo.publicKey}`,
        none: null,
        garbage: 'Bearer \xff\xfe',
        basic: 'Basic YTpi',
      };
      const auth = keys[r.key];
      if (auth) headers.authorization = auth;
      // 'right': what the key needs (the demo origin for a public key, none for a secret one).
      const origins = {
        right: r.key === 'public' ? DEMO_ORIGIN : null,
        demo: DEMO_ORIGIN,
        none: null,
        evil: 'http://evil.example',
        null: 'null',
        garbage: '\xff://%%',
      };
      const origin = origins[r.origin];
      if (origin) headers.origin = origin;
      if (r.contentType) headers['content-type'] = r.contentType;
      if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey;
      if (r.signature !== null) {
        headers['x-twilio-signature'] = r.signature;
        headers['x-hub-signature-256'] = `sha256=${r.signature}`;
      }
      const sendsBody = r.method !== 'GET' && r.method !== 'HEAD';
      const encoded = sendsBody ? encode(r.body, r.encoding) : { body: null, header: null };
      if (encoded.header) headers['content-encoding'] = encoded.header;
      return { method: r.method, path: p, headers, body: encoded.body, chunked: r.chunked };
    }),
);

// ---------- sending ----------

interface Answer {
  status: number;
  ms: number;
  text: string;
}

/**
 * Sends a request as built (bytes unchanged); null when Node's client refuses to send it at all.
 * A kept-alive socket the relay closed meanwhile is retried once on a new one (Node's advice).
 */
async function send(r: FuzzRequest, options: { fresh?: boolean } = {}): Promise<Answer | null> {
  const first = await sendOnce(r, options.fresh ? false : agent);
  return first === 'stale' ? sendOnce(r, false).then((a) => (a === 'stale' ? null : a)) : first;
}

function sendOnce(r: FuzzRequest, via: http.Agent | false): Promise<Answer | null | 'stale'> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let req: http.ClientRequest;
    try {
      req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers, agent: via });
    } catch {
      return resolve(null);
    }
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${SLOW_MS} ms`));
    }, SLOW_MS);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          ms: performance.now() - started,
          text: Buffer.concat(chunks).toString('utf8').slice(0, 300),
        });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (/no answer within/.test(e.message)) return reject(e);
      if (req.reusedSocket && e.code === 'ECONNRESET') return resolve('stale');
      // The relay may answer early (401, 413) and close while the body is still going out; the
      // client then sees EPIPE/ECONNRESET before the answer. Counted as refused: the periodic
      // /healthz on a new connection shows the process is fine.
      resolve({ status: 400, ms: performance.now() - started, text: `(connection closed: ${e.code ?? e.message})` });
    });
    if (r.body && r.chunked && r.body.length > 1) {
      const half = Math.floor(r.body.length / 2);
      req.write(r.body.subarray(0, half));
      req.end(r.body.subarray(half));
    } else {
      req.end(r.body ?? undefined);
    }
  });
}

/** `/healthz` on a connection of its own: the process is alive and answers at once. */
async function healthy(): Promise<boolean> {
  const answer = await send(
    { method: 'GET', path: '/healthz', headers: {}, body: null, chunked: false },
    { fresh: true },
  );
  return answer?.status === 200 && answer.ms < SLOW_MS;
}

function describeRequest(r: FuzzRequest): string {
  const body = r.body
    ? `${r.body.length} bytes: ${JSON.stringify(r.body.subarray(0, 120).toString('latin1'))}`
    : 'no body';
  return `${r.method} ${r.path.slice(0, 200)} ${JSON.stringify(r.headers)} ${body}`;
}

describe('fuzz', () => {
  it(
    `answers ${RUNS} malformed requests across every route with no 5xx, in under ${SLOW_MS} ms each, writing nothing on a 4xx (seed ${SEED})`,
    async () => {
      // The write check sees the relay's commits: a valid send moves the counter.
      const version = await dataVersion();
      const sendOk = await send({
        method: 'POST',
        path: '/v1/messages',
        headers: { authorization: `Bearer ${t.demo.secretKey}`, 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(order)),
        chunked: false,
      });
      expect(sendOk?.status).toBe(202);
      expect(await dataVersion()).not.toBe(version);
      let sent = 0;
      try {
        await fc.assert(
          fc.asyncProperty(requestArb, async (r) => {
            const before = await dataVersion();
            const answer = await send(r);
            if (!answer) return;
            sent++;
            const where = `${describeRequest(r)} → ${answer.status} ${answer.text}`;
            expect(answer.status, where).toBeLessThan(500);
            expect(answer.ms, `slow answer (${Math.round(answer.ms)} ms): ${where}`).toBeLessThan(SLOW_MS);
            if (answer.status >= 400)
              expect(await dataVersion(), `a ${answer.status} wrote to the database: ${where}`).toBe(before);
            if (sent % 100 === 0) {
              expect(await healthy(), `/healthz failed after: ${describeRequest(r)}`).toBe(true);
            }
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
      } catch (error) {
        console.error(`fuzz failed; replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
        throw error;
      }
      expect(await healthy()).toBe(true);
      expect(sent).toBeGreaterThan(RUNS * 0.9);
      expect(t.logText()).not.toContain('unhandled error');
    },
    Math.max(20_000, RUNS * 60),
  );
});

describe('raw bytes', () => {
  // What node:http will not send: broken request lines and framing, straight onto a socket.
  const raw = [
    'GET /healthz\r\n\r\n',
    'GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n',
    'G\xffT /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /v1/messages/%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n',
    'GET /healthz HTTP/1.1\r\nBad Header: x\r\n\r\n',
    'GET /healthz HTTP/1.1\r\nHost: x\r\nX: \x00\r\n\r\n',
    `GET /healthz HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`,
    'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
    'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n',
    'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n{',
    '\r\n\r\n\r\n',
    '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
    'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  ];

  it.each(raw.map((bytes) => ({ bytes, shown: JSON.stringify(bytes.slice(0, 60)) })))(
    'answers $shown with no 5xx, at once, and stays up',
    async ({ bytes }) => {
      const net = await import('node:net');
      const started = performance.now();
      const received = await new Promise<string>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.from(bytes, 'latin1')));
        let text = '';
        socket.on('data', (c) => {
          text += c.toString('latin1');
          // One status line is enough: some of these leave the connection open for a body.
          if (/\r\n\r\n/.test(text)) socket.destroy();
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve(text));
        setTimeout(() => socket.destroy(), SLOW_MS);
      });
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      const ms = performance.now() - started;
      // A request waiting for a body it will never get is answered by the request timeout, not
      // within 1 s: that case is only required not to 5xx. Every other one is answered at once.
      // Blank lines before a request are allowed (RFC 9112 §2.2): the connection waits, as a silent one does.
      if (!/Content-Length: 70000|^\r\n\r\n\r\n$/.test(bytes)) expect(ms, received).toBeLessThan(SLOW_MS);
      // (An HTTP/0.9-style request line is answered like any request.)
      expect(status, received.slice(0, 200)).toBeLessThan(500);
      expect(await healthy()).toBe(true);
    },
  );
});
