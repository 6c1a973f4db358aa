import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN } from '../helpers/start-relay.js';
import { count, rows, snapshot } from '../helpers/store-snapshot.js';
import { setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';

const PAGE = 'https://shop.example';
const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1', eta: 'soon' } };

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let owner: Tokens;
beforeAll(async () => {
  t = await startAccountsRelay();
  owner = await setUpOwner(t);
});
afterAll(() => t.cleanup());

const refusalLogs = () => t.logs().filter((l) => l.level === 40 && l.origin !== undefined);

describe('a page on an origin its project does not allow', () => {
  it.each([
    ['POST', '/v1/messages', order],
    ['POST', '/v1/verify/send', { to: '+212612345678' }],
    ['POST', '/v1/recipients/analyze', { to: ['+212612345678'] }],
    ['GET', '/v1/messages/msg_unknown', undefined],
  ])('reads 403 origin_not_allowed from %s %s, and nothing is written', async (method, route, body) => {
    const before = await snapshot(t.location);
    const res = await call(t, method, route, { key: t.demo.publicKey, origin: PAGE, body });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
    // The CORS headers that let the page read the refusal instead of a network error.
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    expect(res.headers.get('vary')).toContain('Origin');
    expect(await snapshot(t.location)).toEqual(before);
  });

  it('is told the origin and both ways to allow it', async () => {
    const res = await call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin: PAGE, body: order });
    const project = t.demo.projectId;
    expect(res.body.error.message).toBe(
      `Origin ${PAGE} is not allowed for project ${project}: run \`messagejs-relay origins add ${PAGE} --project ${project}\` on the relay's host, or call POST /v1/projects/${project}/origins.`,
    );
  });

  it('is logged at warn with the origin, once a minute per project and origin', async () => {
    const page = 'https://logged.example';
    const other = 'https://other-logged.example';
    const send = (origin: string) => call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin, body: order });
    const logged = (origin: string) => refusalLogs().filter((l) => l.origin === origin);

    for (let i = 0; i < 3; i++) expect((await send(page)).status).toBe(403);
    expect(logged(page)).toHaveLength(1);
    expect(logged(page)[0]).toMatchObject({
      origin: page,
      projectId: t.demo.projectId,
      keyId: expect.stringMatching(/^key_/),
      msg: 'refused a request from an origin its project does not allow',
    });
    await send(other);
    expect(logged(other)).toHaveLength(1);

    t.clock.advance(59_000);
    await send(page);
    expect(logged(page)).toHaveLength(1);
    t.clock.advance(2_000);
    await send(page);
    expect(logged(page)).toHaveLength(2);
  });

  it('sends once the origin is added', async () => {
    const { updateOrigins } = await import('@messagejs/relay');
    await updateOrigins(t.relay.store, t.demo.projectId, 'add', PAGE);
    const res = await call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin: PAGE, body: order });
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE);
    await updateOrigins(t.relay.store, t.demo.projectId, 'remove', PAGE);
  });
});

describe("a key's last use", () => {
  it('is not recorded for a request refused for its origin', async () => {
    const own = await startAccountsRelay();
    const lastUsed = async () =>
      (await rows<{ kind: string; last_used_at: number | null }>(own.location, 'api_keys')).find(
        (k) => k.kind === 'public',
      )!.last_used_at;
    try {
      const res = await call(own, 'POST', '/v1/messages', { key: own.demo.publicKey, origin: PAGE, body: order });
      expect(res.status).toBe(403);
      await own.close(); // writes the last-used times it holds
      expect(await lastUsed()).toBeNull();
    } finally {
      await own.cleanup();
    }
  });
});

describe('the refusals that stay as they were', () => {
  it('refuses a public key without an origin, pointing a server at its secret key', async () => {
    const res = await call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, body: order });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
    expect(res.body.error.message).toContain('use a secret key');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a secret key from a browser, allowed origin or not, and sends nothing', async () => {
    for (const origin of [DEMO_ORIGIN, PAGE]) {
      const before = await snapshot(t.location);
      const res = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, origin, body: order });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('secret_key_in_browser');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(await snapshot(t.location)).toEqual(before);
    }
  });

  it("refuses an admin credential from another site's page (the preflight no longer stops it), and sends nothing", async () => {
    const created = await call(t, 'POST', '/v1/admin-tokens', {
      key: owner.accessToken,
      body: { name: 'ci', permissions: ['send_messages'] },
    });
    expect(created.status).toBe(201);
    const headers = { 'messagejs-project': t.demo.projectId };
    const messages = await count(t.location, 'messages');
    for (const key of [created.body.token as string, owner.accessToken]) {
      const res = await call(t, 'POST', '/v1/messages', { key, origin: PAGE, headers, body: order });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('csrf_failed');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(await count(t.location, 'messages')).toBe(messages);
    // From a server (no Origin), the same credential sends.
    const sent = await call(t, 'POST', '/v1/messages', { key: created.body.token, headers, body: order });
    expect(sent.status).toBe(202);
  });
});
