import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConnector, createKey, setLimits } from '@messagejs/relay';
import { call, DEMO_ORIGIN, startRelay, waitForIdle, type TestRelay } from '../helpers/start-relay.js';
import { snapshot } from '../helpers/store-snapshot.js';

let t: TestRelay;
let revokedKey: string;
let expiredKey: string;
beforeAll(async () => {
  t = await startRelay();
  const { store } = t.relay;
  await setLimits(store, t.demo.projectId, { perIpPerMinute: 100_000, perKeyPerHour: 100_000 });
  const revoked = await createKey(store, { projectId: t.demo.projectId, kind: 'secret' }, Date.now());
  await store.keys.revoke(revoked.key.id, Date.now());
  revokedKey = revoked.secret;
  expiredKey = (
    await createKey(
      store,
      { projectId: t.demo.projectId, kind: 'secret', expiresAt: Date.now() - 1000 },
      Date.now() - 60_000,
    )
  ).secret;
});
afterAll(() => t.cleanup());

const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1001', eta: 'tomorrow' } };
type Case = {
  name: string;
  status: number;
  code: string;
  field?: string;
  key?: 'public' | 'secret' | 'revoked' | 'expired' | 'none' | 'unknown' | 'malformed';
  origin?: string | null;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
};

const cases: Case[] = [
  { name: 'malformed JSON', status: 400, code: 'invalid_json', rawBody: '{"template": "order_update",', key: 'secret' },
  {
    name: 'a body over 64 KB',
    status: 413,
    code: 'payload_too_large',
    key: 'secret',
    body: { ...order, params: { order: 'A-1', eta: 'x'.repeat(70_000) } },
  },
  { name: 'no key', status: 401, code: 'unauthorized', key: 'none', body: order },
  { name: 'an unknown key', status: 401, code: 'unauthorized', key: 'unknown', body: order },
  { name: 'a malformed key', status: 401, code: 'unauthorized', key: 'malformed', body: order },
  { name: 'a revoked key', status: 401, code: 'unauthorized', key: 'revoked', body: order },
  { name: 'an expired key', status: 401, code: 'unauthorized', key: 'expired', body: order },
  {
    name: 'an unknown template',
    status: 404,
    code: 'template_not_found',
    field: 'template',
    body: { ...order, template: 'nope' },
  },
  {
    name: 'a missing param',
    status: 400,
    code: 'validation_failed',
    field: 'params.eta',
    body: { ...order, params: { order: 'A-1' } },
  },
  {
    name: 'an undeclared param',
    status: 400,
    code: 'validation_failed',
    field: 'params.coupon',
    body: { ...order, params: { ...order.params, coupon: 'FREE' } },
  },
  {
    name: 'a wrong-typed param',
    status: 400,
    code: 'validation_failed',
    field: 'params.eta',
    body: { ...order, params: { order: 'A-1', eta: 5 } },
  },
  {
    name: 'a param of the wrong JSON type',
    status: 400,
    code: 'validation_failed',
    field: 'params.eta',
    body: { ...order, params: { order: 'A-1', eta: ['x'] } },
  },
  {
    name: 'a too-long param',
    status: 400,
    code: 'validation_failed',
    field: 'params.eta',
    body: { ...order, params: { order: 'A-1', eta: 'x'.repeat(41) } },
  },
  {
    name: 'a param failing its pattern',
    status: 400,
    code: 'validation_failed',
    field: 'params.order',
    body: { ...order, params: { order: 'a-1; DROP', eta: 'soon' } },
  },
  {
    name: 'a bad email param',
    status: 400,
    code: 'validation_failed',
    field: 'params.email',
    body: { template: 'contact', params: { name: 'A', email: 'not-an-email', message: 'hi' } },
  },
  {
    name: 'a control character in a text param',
    status: 400,
    code: 'validation_failed',
    field: 'params.eta',
    body: { ...order, params: { order: 'A-1', eta: 'soon\u0007' } },
  },
  { name: 'an invalid number', status: 400, code: 'invalid_recipient', field: 'to', body: { ...order, to: '+2126' } },
  {
    name: 'letters as a number',
    status: 400,
    code: 'invalid_recipient',
    field: 'to',
    body: { ...order, to: 'call me maybe' },
  },
  {
    name: 'a country not allowed',
    status: 403,
    code: 'country_not_allowed',
    field: 'to',
    body: { ...order, to: '+4915112345678' },
  },
  {
    name: 'free text with a public key',
    status: 403,
    code: 'template_required',
    field: 'template',
    key: 'public',
    body: { to: '+212612345678', text: 'hi', channel: 'sms' },
  },
  {
    name: 'a wrong origin',
    status: 403,
    code: 'origin_not_allowed',
    key: 'public',
    origin: 'http://evil.example',
    body: order,
  },
  {
    name: 'a public key with no origin',
    status: 403,
    code: 'origin_not_allowed',
    key: 'public',
    origin: null,
    body: order,
  },
  {
    name: 'a secret key from a browser',
    status: 403,
    code: 'secret_key_in_browser',
    key: 'secret',
    origin: DEMO_ORIGIN,
    body: order,
  },
  {
    name: 'a form-encoded body',
    status: 415,
    code: 'unsupported_media_type',
    rawBody: 'template=order_update',
    contentType: 'application/x-www-form-urlencoded',
  },
  {
    name: 'a text/plain body',
    status: 415,
    code: 'unsupported_media_type',
    rawBody: JSON.stringify(order),
    contentType: 'text/plain',
  },
  { name: 'an array body', status: 400, code: 'validation_failed', body: [order] },
  { name: 'a JSON string body', status: 400, code: 'invalid_json', rawBody: '"hello"' },
  { name: 'an unknown field', status: 400, code: 'validation_failed', body: { ...order, sendAt: 'now' } },
  {
    name: 'no `to` for a caller-chosen template',
    status: 400,
    code: 'validation_failed',
    field: 'to',
    body: { template: 'order_update', params: order.params },
  },
  {
    name: '`to` for a fixed-recipient template',
    status: 400,
    code: 'validation_failed',
    field: 'to',
    body: { template: 'contact', to: '+212612345678', params: { name: 'A', email: 'a@b.co', message: 'x' } },
  },
  {
    name: 'an unknown channel',
    status: 400,
    code: 'validation_failed',
    field: 'channel',
    body: { to: '+212612345678', text: 'hi', channel: 'pigeon' },
  },
  {
    name: 'empty text',
    status: 400,
    code: 'validation_failed',
    field: 'text',
    body: { to: '+212612345678', text: '', channel: 'sms' },
  },
  {
    name: 'an invalid email address',
    status: 400,
    code: 'invalid_recipient',
    field: 'to',
    body: { to: 'not-an-email', text: 'hi', channel: 'email' },
  },
  { name: 'a bad Idempotency-Key', status: 400, code: 'validation_failed', field: 'Idempotency-Key', body: order },
];

describe('POST /v1/messages with bad input', () => {
  it.each(cases)('refuses $name with $status $code and writes nothing', async (c) => {
    const keys = {
      public: t.demo.publicKey,
      secret: t.demo.secretKey,
      revoked: revokedKey,
      expired: expiredKey,
      none: undefined,
      unknown: `sk_${'a'.repeat(43)}`,
      malformed: 'hello',
    };
    const key = keys[c.key ?? 'secret'];
    const origin = c.origin === undefined ? (c.key === 'public' ? DEMO_ORIGIN : undefined) : (c.origin ?? undefined);
    await waitForIdle(t);
    const before = await snapshot(t.location);
    const res = await call(t, 'POST', '/v1/messages', {
      ...(key && { key }),
      ...(origin && { origin }),
      ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : { body: c.body }),
      headers: {
        'content-type': c.contentType ?? 'application/json',
        ...(c.name === 'a bad Idempotency-Key' && { 'idempotency-key': 'has spaces in it' }),
      },
    });
    expect(res.status).toBe(c.status);
    expect(res.body.error.code).toBe(c.code);
    expect(typeof res.body.error.message).toBe('string');
    if (c.field) expect(res.body.error.field).toBe(c.field);
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    expect(await snapshot(t.location)).toEqual(before);
  });

  it('lets a page on a wrong origin read its refusal (issue 12), and sends nothing', async () => {
    const before = await snapshot(t.location);
    const res = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: 'http://evil.example',
      body: order,
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://evil.example');
    expect(await snapshot(t.location)).toEqual(before);
  });

  it('ignores __proto__ and constructor keys anywhere in the body', async () => {
    const raw = `{"template":"order_update","to":"+212612345678","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},
      "params":{"order":"A-1","eta":"soon","__proto__":{"polluted":true},"constructor":"x"}}`;
    const res = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      rawBody: raw,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers a channel with no connector with 422 channel_not_configured', async () => {
    await waitForIdle(t);
    const before = await snapshot(t.location);
    await t.relay.store.connectors.remove((await t.relay.store.connectors.list(t.demo.projectId))[0]!.id);
    const after = await snapshot(t.location);
    const res = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: order });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'channel_not_configured', field: 'channel' });
    expect(await snapshot(t.location)).toEqual(after);
    expect(before).not.toEqual(after);
  });
});

describe('bodies nested too deep', () => {
  // `depth - 1` arrays around a string: `depth - 1` levels of containers.
  const nested = (depth: number) => `${'['.repeat(depth - 1)}"x"${']'.repeat(depth - 1)}`;
  const routes = ['/v1/messages', '/v1/verify/send', '/v1/verify/check', '/v1/recipients/analyze'];
  const cases = routes.flatMap((route) => [
    { route, depth: 4000, idempotency: true },
    { route, depth: 4000, idempotency: false },
    { route, depth: 33, idempotency: true },
  ]);

  it.each(cases)(
    'refuses depth $depth on $route (Idempotency-Key: $idempotency) with 400 nesting_too_deep and writes nothing',
    async (c) => {
      await waitForIdle(t);
      const before = await snapshot(t.location);
      const res = await call(t, 'POST', c.route, {
        key: t.demo.secretKey,
        rawBody: `{"template":"order_update","to":"+212612345678","params":{"order":"A-1","eta":${nested(c.depth - 1)}}}`,
        headers: {
          'content-type': 'application/json',
          ...(c.idempotency && { 'idempotency-key': `deep-${c.route}-${c.depth}` }),
        },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'nesting_too_deep', field: 'params' });
      expect(await snapshot(t.location)).toEqual(before);
    },
  );

  it('reads a body nested 32 deep as usual', async () => {
    const res = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      rawBody: `{"template":"order_update","to":"+212612345678","params":{"order":"A-1","eta":${nested(31)}}}`,
      headers: { 'content-type': 'application/json', 'idempotency-key': 'deep-32' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', field: 'params.eta' });
  });

  it('refuses a deep top-level array without naming a field', async () => {
    const res = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      rawBody: nested(5000),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('nesting_too_deep');
    expect(res.body.error.field).toBeUndefined();
  });
});

describe('control characters in caller text', () => {
  const text = { to: '+212612345678', channel: 'sms' };
  // Refused on SQLite and PostgreSQL alike: before, SQLite stored U+0000 in free text where
  // PostgreSQL answered 400, and both stored the other C0 controls.
  const refused = [
    { what: 'U+0000 in free text', route: '/v1/messages', body: { ...text, text: 'a\u0000b' }, field: 'text' },
    { what: 'U+0007 in free text', route: '/v1/messages', body: { ...text, text: 'a\u0007b' }, field: 'text' },
    { what: 'U+001B in free text', route: '/v1/messages', body: { ...text, text: '\u001b[31mred' }, field: 'text' },
    {
      what: 'U+0000 in a template param',
      route: '/v1/messages',
      body: { ...order, params: { order: 'A-1', eta: 'soon\u0000' } },
      field: 'params.eta',
    },
    {
      what: 'U+000B in a template param',
      route: '/v1/messages',
      body: { ...order, params: { order: 'A-1', eta: 'so\u000bon' } },
      field: 'params.eta',
    },
    {
      what: 'U+0000 in a recipient',
      route: '/v1/messages',
      body: { ...order, to: '+2126123\u000045678' },
      field: 'to',
    },
    {
      what: 'U+0000 in a verification recipient',
      route: '/v1/verify/send',
      body: { to: '+212612345678\u0000', channel: 'sms' },
      field: 'to',
    },
    {
      what: 'U+0000 in a number to analyse',
      route: '/v1/recipients/analyze',
      body: { to: '+212612345678\u0000' },
      field: 'to',
    },
  ];

  it.each(refused)(
    'refuses $what on $route with 400 validation_failed naming $field, and writes nothing',
    async (c) => {
      await waitForIdle(t);
      const before = await snapshot(t.location);
      const res = await call(t, 'POST', c.route, { key: t.demo.secretKey, body: c.body });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field: c.field });
      expect(res.body.error.message).toMatch(/control characters/);
      expect(await snapshot(t.location)).toEqual(before);
    },
  );

  it('accepts tab, line feed and carriage return in free text, and stores them as sent', async () => {
    const sent = 'Line one\r\nLine\ttwo\nend';
    // An earlier test removed the demo's console connector.
    const { store, sealer } = t.relay;
    if ((await store.connectors.list(t.demo.projectId)).length === 0)
      await addConnector(store, sealer, { projectId: t.demo.projectId, type: 'console' }, Date.now());
    const res = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { ...text, text: sent } });
    expect(res.status).toBe(202);
    const message = await t.relay.store.messages.get(res.body.id);
    expect(message?.body).toBe(sent);
  });
});
