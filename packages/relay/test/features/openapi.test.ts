import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startRelay, type TestRelay } from '../helpers/start-relay.js';
import { createOpenApiChecker } from '../helpers/openapi-check.js';

const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('GET /v1/openapi.json', () => {
  let t: TestRelay;
  let document: any;
  beforeAll(async () => {
    t = await startRelay();
    document = (await call(t, 'GET', '/v1/openapi.json')).body;
  });
  afterAll(() => t.cleanup());

  it('gives every mounted route a doc', () => {
    const undocumented = t.relay
      .routes()
      .filter((r) => !r.doc)
      .map((r) => `${r.method} ${r.path}`);
    expect(undocumented, 'routes without a `doc` (http/platform/route.ts RouteDoc)').toEqual([]);
  });

  it('is an OpenAPI 3.1 document of every mounted route, with one shared error answer', () => {
    expect(document.openapi).toBe('3.1.0');
    const missing = t.relay
      .routes()
      .filter((r) => !document.paths[openApiPath(r.path)]?.[r.method.toLowerCase()])
      .map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    const operations = Object.values(document.paths).flatMap((item: any) => Object.values(item)) as any[];
    expect(operations.length).toBe(t.relay.routes().length);
    for (const op of operations) {
      expect(op.responses.default).toEqual({ $ref: '#/components/responses/Error' });
      expect(op.summary).toEqual(expect.any(String));
    }
    expect(new Set(operations.map((op) => op.operationId)).size).toBe(operations.length);
    expect(document.components.schemas.ErrorBody.properties.error.required).toEqual(['code', 'message']);
  });

  it('describes request bodies as callers send them and answers as the relay writes them', () => {
    const send = document.paths['/v1/messages'].post;
    expect(send.security).toEqual([{ projectKey: [] }]);
    expect(send.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/SendMessageRequest',
    });
    // `channel` has a default: a caller may leave it out.
    const verify = document.components.schemas.VerifyStartRequest;
    expect(verify.required).toEqual(['to']);
    const patch = document.paths['/v1/accounts/{accountId}/members/{memberId}'].patch;
    expect(patch['x-permission']).toBe('manage_members');
    expect(patch.security).toEqual([{ adminBearer: [] }, { adminCookie: [] }]);
    expect(patch.parameters.map((p: any) => [p.name, p.in])).toEqual([
      ['accountId', 'path'],
      ['memberId', 'path'],
    ]);
    const list = document.paths['/v1/accounts/{accountId}/members'].get;
    expect(list.parameters.map((p: any) => [p.name, p.in])).toEqual([
      ['accountId', 'path'],
      ['limit', 'query'],
      ['cursor', 'query'],
    ]);
    expect(list.responses['200'].content['application/json'].schema.properties.nextCursor).toBeDefined();
  });

  it('is what the test harness checks answers against: a wrong answer is caught', () => {
    const checker = createOpenApiChecker(document);
    const ok = { status: 'ok' };
    expect(checker.check('GET', '/healthz', 200, ok, 'application/json')).toEqual([]);
    expect(checker.check('GET', '/healthz', 200, { status: 'fine' }, 'application/json')).not.toEqual([]);
    expect(checker.check('GET', '/healthz', 201, ok, 'application/json')).not.toEqual([]);
    expect(checker.check('GET', '/v1/nowhere', 200, ok, 'application/json')).not.toEqual([]);
    const error = { error: { code: 'not_found', message: 'No.', requestId: 'r' } };
    expect(checker.check('GET', '/v1/nowhere', 404, error, 'application/json')).toEqual([]);
    expect(checker.check('GET', '/v1/messages/x', 404, { error: { code: 'nope' } }, 'application/json')).not.toEqual(
      [],
    );
    expect(checker.templateOf('/v1/auth/me')).toBe('/v1/auth/me');
    expect(checker.templateOf('/v1/admin-tokens/atk_1')).toBe('/v1/admin-tokens/{tokenId}');
  });
});

describe('GET /docs', () => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startRelay();
  });
  afterAll(() => t.cleanup());

  it('renders the document with the relay’s own copy of Swagger UI: no CDN, no inline script', async () => {
    const page = await call(t, 'GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = page.body as string;
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url).toMatch(/^\/docs\//);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const csp = page.headers.get('content-security-policy')!;
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'));
    expect(scriptSrc?.trim()).toBe("script-src 'self'");
    for (const url of urls) {
      const asset = await call(t, 'GET', url);
      expect(asset.status, url).toBe(200);
      expect(asset.body.length, url).toBeGreaterThan(100);
    }
    const init = await call(t, 'GET', '/docs/init.js');
    expect(init.body).toContain("url: '/v1/openapi.json'");
    expect(init.body).toContain('validatorUrl: null');
  });

  it('serves only the viewer’s own files', async () => {
    for (const file of ['package.json', 'index.html', '..%2F..%2Fpackage.json', 'swagger-initializer.js']) {
      const res = await call(t, 'GET', `/docs/assets/${file}`);
      expect(res.status, file).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});
