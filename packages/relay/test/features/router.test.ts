import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { setLimits, updateOrigins } from '@messagejs/relay';
import { call, DEMO_ORIGIN, startRelay, type TestRelay, fetchChecked } from '../helpers/start-relay.js';

/** A GET with the raw path as given (fetch() would drop a `#fragment` before sending). */
function rawGet(
  base: string,
  rawPath: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/`, { method: 'GET', path: rawPath, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

// `POST /v1/messages` and `GET /v1/messages/:id` are answered without Express when the URL is an
// exact match (src/http/platform/router.ts); other spellings of them go through Express. Both ways
// must answer alike, and Express's request getters (ip, protocol) must be matched by the hot way.

let t: TestRelay | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
});

const order = (to = '+212612345678') => ({ template: 'order_update', to, params: { order: 'A-1', eta: 'soon' } });
/** Header names of an answer, minus those that differ per request by nature. */
const headerNames = (headers: Headers) => [...headers.keys()].filter((h) => h !== 'date').sort();

describe('hot routes', () => {
  it('answers a send as Express does: same status, headers and body shape', async () => {
    t = await startRelay();
    const hot = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: order('+212612345601'),
    });
    // A trailing slash is not an exact match: Express routes it (non-strict routing).
    const viaExpress = await call(t, 'POST', '/v1/messages/', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: order('+212612345602'),
    });
    expect(hot.status).toBe(202);
    expect(viaExpress.status).toBe(202);
    expect(headerNames(hot.headers)).toEqual(headerNames(viaExpress.headers));
    for (const name of [
      'content-type',
      'content-security-policy',
      'x-frame-options',
      'access-control-allow-origin',
      'vary',
      'ratelimit-limit',
    ]) {
      expect(hot.headers.get(name), name).toBe(viaExpress.headers.get(name));
    }
    expect(hot.headers.get('x-request-id')).toMatch(/^req_/);
    expect(Object.keys(hot.body).sort()).toEqual(Object.keys(viaExpress.body).sort());
  });

  it('answers errors as Express does', async () => {
    t = await startRelay();
    for (const [route, options, code] of [
      ['/v1/messages', { rawBody: '{"template":', headers: { 'content-type': 'application/json' } }, 'invalid_json'],
      [
        '/v1/messages',
        { rawBody: 'to=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        'unsupported_media_type',
      ],
      ['/v1/messages', { body: { template: 'nope', to: '+212612345678' } }, 'template_not_found'],
    ] as const) {
      const hot = await call(t, 'POST', route, { key: t.demo.publicKey, origin: DEMO_ORIGIN, ...options });
      const viaExpress = await call(t, 'POST', `${route}/`, { key: t.demo.publicKey, origin: DEMO_ORIGIN, ...options });
      expect(hot.body.error.code).toBe(code);
      expect(viaExpress.body.error.code).toBe(code);
      expect(hot.status).toBe(viaExpress.status);
      expect(headerNames(hot.headers)).toEqual(headerNames(viaExpress.headers));
      expect({ ...hot.body.error, requestId: 'x' }).toEqual({ ...viaExpress.body.error, requestId: 'x' });
    }
    const unauthorized = await call(t, 'POST', '/v1/messages', { origin: DEMO_ORIGIN, body: order() });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(DEMO_ORIGIN);
    expect(unauthorized.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('runs every other route the same both ways: one handler, whichever way the request took', async () => {
    t = await startRelay();
    const secret = { key: t.demo.secretKey };
    const cases: Array<[string, string, Parameters<typeof call>[3]]> = [
      ['POST', '/v1/recipients/analyze', { ...secret, body: { numbers: ['+212612345678', 'nope'] } }],
      ['POST', '/v1/recipients/analyze', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body: { numbers: ['1'] } }],
      ['POST', '/v1/verify/send', { ...secret, body: { to: 'not a number', channel: 'sms' } }],
      ['POST', '/v1/verify/check', { ...secret, body: { to: '+212612345678' } }],
      ['GET', `/v1/projects/${t.demo.projectId}/jwks.json`, {}],
      ['GET', '/healthz', {}],
      ['GET', '/readyz', {}],
      ['GET', '/demo/config.json', {}],
      ['GET', '/v1/hooks/con_0000000000000000000000', {}],
      ['POST', '/v1/hooks/con_0000000000000000000000/status', { rawBody: 'a=1' }],
    ];
    for (const [method, route, options] of cases) {
      const fast = await call(t, method, route, options);
      const viaExpress = await call(t, method, `${route}/`, options);
      const label = `${method} ${route}`;
      expect(fast.status, label).toBe(viaExpress.status);
      expect(headerNames(fast.headers), label).toEqual(headerNames(viaExpress.headers));
      expect(fast.headers.get('content-type'), label).toBe(viaExpress.headers.get('content-type'));
      const withoutId = (body: any) => (body?.error ? { ...body.error, requestId: 'x' } : body);
      expect(withoutId(fast.body), label).toEqual(withoutId(viaExpress.body));
    }
    // A sample of what they answered, so the comparison above compared real answers.
    expect((await call(t, 'POST', '/v1/recipients/analyze', cases[0]![2])).body.results[0].valid).toBe(true);
    expect((await call(t, 'GET', '/v1/hooks/con_0000000000000000000000')).body.error.code).toBe('connector_not_found');
    expect((await call(t, 'GET', `/v1/projects/${t.demo.projectId}/jwks.json`)).body.keys.length).toBeGreaterThan(0);
  });

  it('leaves a percent-encoded id and HEAD to Express, with the same answer', async () => {
    t = await startRelay();
    const sent = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+212612345678', text: 'Hi', channel: 'sms' },
    });
    const id: string = sent.body.id;
    const plain = await call(t, 'GET', `/v1/messages/${id}`, { key: t.demo.secretKey });
    const encoded = await call(t, 'GET', `/v1/messages/${id.replace('_', '%5F')}`, { key: t.demo.secretKey });
    expect(plain.status).toBe(200);
    expect(encoded.status).toBe(200);
    expect(encoded.body.id).toBe(id);
    const head = await fetchChecked(`${t.url}/v1/messages/${id}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${t.demo.secretKey}` },
    });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const badEncoding = await call(t, 'GET', '/v1/messages/%E0%A4%A', { key: t.demo.secretKey });
    expect(badEncoding.status).toBe(400);
    expect(badEncoding.body.error.code).toBe('validation_failed');
    // Express drops a fragment the client should not have sent; so must the answer.
    const withFragment = await rawGet(t.url, `/v1/messages/${id}#part`, {
      authorization: `Bearer ${t.demo.secretKey}`,
    });
    expect(withFragment.status).toBe(200);
    expect(withFragment.body.id).toBe(id);
  });

  it('fingerprints an idempotent send by its path, not its query string', async () => {
    t = await startRelay();
    const send = (route: string) =>
      call(t!, 'POST', route, {
        key: t!.demo.publicKey,
        origin: DEMO_ORIGIN,
        body: order(),
        headers: { 'idempotency-key': 'order-A-1' },
      });
    const first = await send('/v1/messages');
    const again = await send('/v1/messages?from=retry');
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
  });

  it('answers a rate-limited send with the same status and headers both ways', async () => {
    t = await startRelay();
    await setLimits(t.relay.store, t.demo.projectId, { perIpPerMinute: 1 });
    expect(
      (await call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body: order() })).status,
    ).toBe(202);
    const hot = await call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body: order() });
    const viaExpress = await call(t, 'POST', '/v1/messages/', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: order(),
    });
    for (const res of [hot, viaExpress]) {
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('rate_limited');
    }
    expect(headerNames(hot.headers)).toEqual(headerNames(viaExpress.headers));
    for (const name of ['ratelimit-limit', 'ratelimit-remaining', 'access-control-allow-origin', 'content-type']) {
      expect(hot.headers.get(name), name).toBe(viaExpress.headers.get(name));
    }
    expect(Number(hot.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers an oversized webhook body 413 payload_too_large (an Express 4xx keeps its meaning)', async () => {
    t = await startRelay();
    const res = await fetchChecked(`${t.url}/v1/hooks/con_unknown/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a'.repeat(1_100_000),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('counts the per-IP limit by the client behind a trusted proxy (X-Forwarded-For), as Express reads it', async () => {
    t = await startRelay(); // MESSAGEJS_TRUST_PROXY defaults to loopback, where the test client is
    await setLimits(t.relay.store, t.demo.projectId, { perIpPerMinute: 2 });
    const from = (ip: string, to: string) =>
      call(t!, 'POST', '/v1/messages', {
        key: t!.demo.publicKey,
        origin: DEMO_ORIGIN,
        body: order(to),
        headers: { 'x-forwarded-for': ip },
      });
    expect((await from('203.0.113.1', '+212612345601')).status).toBe(202);
    expect((await from('203.0.113.1', '+212612345602')).status).toBe(202);
    expect((await from('203.0.113.1', '+212612345603')).body.error.code).toBe('rate_limited');
    expect((await from('203.0.113.2', '+212612345604')).status).toBe(202);
  });

  it('ignores X-Forwarded-For from a proxy it does not trust', async () => {
    t = await startRelay({ env: { MESSAGEJS_TRUST_PROXY: '10.0.0.1' } });
    await setLimits(t.relay.store, t.demo.projectId, { perIpPerMinute: 2 });
    const from = (ip: string, to: string) =>
      call(t!, 'POST', '/v1/messages', {
        key: t!.demo.publicKey,
        origin: DEMO_ORIGIN,
        body: order(to),
        headers: { 'x-forwarded-for': ip },
      });
    expect((await from('203.0.113.1', '+212612345601')).status).toBe(202);
    expect((await from('203.0.113.2', '+212612345602')).status).toBe(202);
    expect((await from('203.0.113.3', '+212612345603')).body.error.code).toBe('rate_limited');
  });

  it("takes a same-origin page's scheme from X-Forwarded-Proto behind a trusted proxy", async () => {
    t = await startRelay();
    // fetch() sends the real Host (127.0.0.1:port); the page's origin is that host, over https.
    const host = new URL(t.url).host;
    await updateOrigins(t.relay.store, t.demo.projectId, 'add', `https://${host}`);
    const sent = await call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body: order() });
    const read = (proto: string) =>
      call(t!, 'GET', `/v1/messages/${sent.body.id}`, {
        key: t!.demo.publicKey,
        headers: { 'sec-fetch-site': 'same-origin', 'x-forwarded-proto': proto },
      });
    expect((await read('https')).status).toBe(200);
    expect((await read('http')).body.error.code).toBe('origin_not_allowed');
  });

  it('ignores X-Forwarded-Proto from a proxy it does not trust', async () => {
    t = await startRelay({ env: { MESSAGEJS_TRUST_PROXY: '10.0.0.1' } });
    await updateOrigins(t.relay.store, t.demo.projectId, 'add', `https://${new URL(t.url).host}`);
    const sent = await call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body: order() });
    const read = await call(t, 'GET', `/v1/messages/${sent.body.id}`, {
      key: t.demo.publicKey,
      headers: { 'sec-fetch-site': 'same-origin', 'x-forwarded-proto': 'https' },
    });
    expect(read.body.error.code).toBe('origin_not_allowed');
  });
});
