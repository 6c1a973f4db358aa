import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN, startRelay, type TestRelay } from '../helpers/start-relay.js';

let t: TestRelay;
beforeAll(async () => {
  t = await startRelay();
});
afterAll(() => t.cleanup());

const preflight = (origin: string) =>
  fetch(`${t.url}/v1/messages`, {
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

  it('gives a preflight from another origin no CORS headers', async () => {
    const res = await preflight('http://localhost:9999');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a page read the error of a bad key from an allowed origin', async () => {
    const res = await call(t, 'POST', '/v1/messages', { key: `pk_${'x'.repeat(43)}`, origin: DEMO_ORIGIN, body: {} });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(DEMO_ORIGIN);
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
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
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
