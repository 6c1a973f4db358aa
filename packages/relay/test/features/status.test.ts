import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConnector } from '@messagejs/relay';
import { migrations as sqliteMigrations } from '../../src/store/sqlite/migrations/index.js';
import { migrations as postgresMigrations } from '../../src/store/postgres/migrations/index.js';
import { call, testBackend, waitForMessage } from '../helpers/start-relay.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';
import { closedPortUrl } from '../helpers/redis.js';
import { scriptedServer } from '../helpers/scripted-server.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
const SCHEMA = (testBackend === 'sqlite' ? sqliteMigrations : postgresMigrations).length;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let receiver: Awaited<ReturnType<typeof scriptedServer>>;
let owner: Tokens;
let webhookId: string;
const status = (key?: string) => call(t, 'GET', '/v1/status', key === undefined ? {} : { key });

beforeAll(async () => {
  t = await startAccountsRelay({
    // One transient failure opens a breaker; the retry waits ten minutes (scheduled when read).
    deps: { worker: { pollMs: 20, breakerThreshold: 1, backoffBaseMs: 600_000, backoffMaxMs: 600_000 } },
  });
  owner = await setUpOwner(t);
  receiver = await scriptedServer([503]);
  const webhook = await addConnector(
    t.relay.store,
    t.relay.sealer,
    {
      projectId: t.demo.projectId,
      type: 'webhook',
      name: 'Outage',
      channels: ['whatsapp'],
      config: { url: receiver.url },
      credentials: { secret: 'a-webhook-secret-of-some-length' },
      priority: 1,
    },
    Date.now(),
  );
  webhookId = webhook.id;
  const sent = await call(t, 'POST', '/v1/messages', {
    key: t.demo.secretKey,
    body: { to: '+33612345678', text: 'Hello', channel: 'whatsapp' },
  });
  await waitForMessage(t, sent.body.id, (m) => m.status === 'queued' && m.attempts?.length === 1);
});
afterAll(async () => {
  await t.cleanup();
  await receiver.close();
});

describe('GET /v1/status', () => {
  it('reports the database, worker, connectors, versions, uptime and queue to an owner', async () => {
    const res = await status(owner.accessToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = res.body;
    // A circuit breaker is open: degraded, not down.
    expect(body).toMatchObject({
      status: 'degraded',
      service: 'MessageJS relay',
      checkedAt: expect.stringMatching(ISO),
    });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(body.versions).toEqual({
      relay: VERSION,
      node: process.version,
      databaseBackend: testBackend,
      database: expect.stringMatching(/^\d+\.\d+/),
      schema: SCHEMA,
    });
    expect(body.components.database).toEqual({ status: 'ok', latencyMs: expect.any(Number) });
    expect(body.components.redis).toBeUndefined();
    expect(body.components.worker).toEqual({
      status: 'running',
      inFlight: 0,
      waiting: 0,
      concurrency: 32,
      lastTickAt: expect.stringMatching(ISO),
    });
    // The retry waits for its backoff: scheduled, nothing due.
    expect(body.queue).toEqual({ pending: 1, due: 0, leased: 0, scheduled: 1, oldestDueAgeSeconds: 0 });
  });

  it('lists the caller’s connectors with their circuit breaker and the provider’s last refusal', async () => {
    const { connectors } = (await status(owner.accessToken)).body.components;
    const outage = connectors.find((c: { id: string }) => c.id === webhookId);
    expect(outage).toEqual({
      id: webhookId,
      projectId: t.demo.projectId,
      name: 'Outage',
      type: 'webhook',
      enabled: true,
      circuitBreaker: 'open',
      openUntil: expect.stringMatching(ISO),
      failures: 0,
      lastError: { code: 'provider_unavailable', transient: true, at: expect.stringMatching(ISO) },
      lastSuccessAt: null,
    });
    const others = connectors.filter((c: { id: string }) => c.id !== webhookId);
    expect(others.length).toBeGreaterThan(0);
    for (const c of others) expect(c).toMatchObject({ circuitBreaker: 'closed', failures: 0, lastError: null });
    // Credentials and settings stay out of it.
    expect(JSON.stringify(connectors)).not.toContain('a-webhook-secret');
    expect(JSON.stringify(connectors)).not.toContain(receiver.url);
  });

  it('is for owners and admins holding manage_settings: others get 403, project keys and strangers 401', async () => {
    expect((await status()).status).toBe(401);
    for (const key of [t.demo.secretKey, t.demo.publicKey]) {
      const res = await status(key);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    const admin = await addMember(t, owner, { email: 'admin@example.com', role: 'admin' });
    expect((await status(admin.accessToken)).status).toBe(200);
    for (const role of ['viewer', 'manager']) {
      const member = await addMember(t, owner, { email: `${role}@example.com`, role });
      const res = await status(member.accessToken);
      expect(res.status, role).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', permission: 'manage_settings' });
    }
    // An admin whose manage_settings was withdrawn is refused too.
    const narrowed = await addMember(t, owner, {
      email: 'narrow@example.com',
      role: 'admin',
      withdraw: ['manage_settings'],
    });
    expect((await status(narrowed.accessToken)).status).toBe(403);
  });

  it('takes an admin token scoped with manage_settings, and refuses one without it', async () => {
    const token = async (permissions: string[]) => {
      const res = await call(t, 'POST', '/v1/admin-tokens', {
        key: owner.accessToken,
        body: { name: `status ${permissions.join(' ')}`, permissions },
      });
      expect(res.status).toBe(201);
      return res.body.token as string;
    };
    expect((await status(await token(['manage_settings']))).status).toBe(200);
    const narrow = await status(await token(['view_history']));
    expect(narrow.status).toBe(403);
    expect(narrow.body.error.permission).toBe('manage_settings');
  });

  it('is documented in the OpenAPI document, with its response schema', async () => {
    const document = (await call(t, 'GET', '/v1/openapi.json')).body;
    const operation = document.paths['/v1/status'].get;
    expect(operation['x-permission']).toBe('manage_settings');
    expect(operation.security).toEqual([{ adminBearer: [] }, { adminCookie: [] }]);
    expect(operation.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/RelayStatus',
    });
    expect(document.components.schemas.RelayStatus.required).toEqual(
      expect.arrayContaining(['status', 'versions', 'components', 'queue', 'uptimeSeconds']),
    );
  });
});

describe('GET /v1/status with Redis configured', () => {
  it('reports a Redis that does not answer as degraded, without a latency; the relay stays up', async () => {
    const r = await startAccountsRelay({
      env: { MESSAGEJS_REDIS_URL: await closedPortUrl() },
      deps: { redis: { probeMs: 60_000 } },
    });
    try {
      const tokens = await setUpOwner(r);
      const res = await call(r, 'GET', '/v1/status', { key: tokens.accessToken });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('degraded');
      expect(res.body.components.redis).toEqual({ status: 'degraded', latencyMs: null });
      expect(res.body.components.database.status).toBe('ok');
    } finally {
      await r.cleanup();
    }
  });
});
