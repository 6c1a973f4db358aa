import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN, startRelay, type TestRelay } from '../helpers/start-relay.js';

let t: TestRelay;
beforeAll(async () => {
  t = await startRelay();
});
afterAll(() => t.cleanup());

const preflight = (origin: string, route = '/v1/messages') =>
  fetch(`${t.url}${route}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });

describe('CORS', () => {
  it('answers a preflight from an allowed origin', async () => {
    const res = await preflight(DEMO_ORIGIN);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(DEMO_ORIGIN);
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('answers a preflight from any origin on the routes that take a project key', async () => {
    for (const route of ['/v1/messages', '/v1/messages/msg_x', '/v1/verify/send', '/v1/verify/check']) {
      const res = await preflight('http://localhost:9999', route);
      expect(res.status, route).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), route).toBe('http://localhost:9999');
      expect(res.headers.get('access-control-allow-credentials'), route).toBeNull();
    }
  });

  it('refuses a preflight to the management routes, without CORS headers', async () => {
    for (const route of ['/v1/auth/me', '/v1/auth/login', '/v1/accounts', '/v1/admin-tokens']) {
      const res = await preflight(DEMO_ORIGIN, route);
      expect(res.status, route).toBe(403);
      expect(res.headers.get('access-control-allow-origin'), route).toBeNull();
    }
  });

  it('lets a page on any origin read the error of a bad key', async () => {
    for (const origin of [DEMO_ORIGIN, 'https://elsewhere.example']) {
      const res = await call(t, 'POST', '/v1/messages', { key: `pk_${'x'.repeat(43)}`, origin, body: {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    }
  });

  it("does not answer an origin allowed only by another project's key", async () => {
    const { createProject, createKey } = await import('@messagejs/relay');
    const other = await createProject(
      t.relay.store,
      { name: 'Other', allowedOrigins: ['https://other.example'] },
      Date.now(),
    );
    const key = await createKey(t.relay.store, { projectId: other.id, kind: 'public' }, Date.now());
    const res = await call(t, 'POST', '/v1/messages', {
      key: key.secret,
      origin: DEMO_ORIGIN,
      body: { template: 'x' },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
    expect(res.body.error.message).toContain(`not allowed for project ${other.id}`);
    // Readable by the page, so that it learns why (issue 12).
    expect(res.headers.get('access-control-allow-origin')).toBe(DEMO_ORIGIN);
  });

  it("accepts a public key's same-origin GET (no Origin, Sec-Fetch-Site: same-origin) only when the relay's own origin is allowed", async () => {
    const { updateOrigins } = await import('@messagejs/relay');
    const sent = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { template: 'order_update', to: '+212612345671', params: { order: 'A-1', eta: 'soon' } },
    });
    const read = () =>
      call(t, 'GET', `/v1/messages/${sent.body.id}`, {
        key: t.demo.publicKey,
        headers: { 'sec-fetch-site': 'same-origin' },
      });
    expect((await read()).body.error.code).toBe('origin_not_allowed');
    await updateOrigins(t.relay.store, t.demo.projectId, 'add', t.url);
    const res = await read();
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(
      (
        await call(t, 'GET', `/v1/messages/${sent.body.id}`, {
          key: t.demo.publicKey,
          headers: { 'sec-fetch-site': 'cross-site' },
        })
      ).status,
    ).toBe(403);
  });

  it('exposes the request id and rate-limit headers to pages', async () => {
    const res = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { template: 'order_update', to: '+212612345678', params: { order: 'A-1', eta: 'soon' } },
    });
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(res.headers.get('vary')).toContain('Origin');
  });
});
