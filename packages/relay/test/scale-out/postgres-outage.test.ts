import fs from 'node:fs';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { freshDatabase, postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
import { cluster, postMessage, sleep, until, type Cluster } from '../helpers/scale-out.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { tempDir } from '../helpers/start-relay.js';

/**
 * Issue 13, "PostgreSQL restarted while sending": a relay (`start --no-worker`) and a worker
 * reach PostgreSQL through a TCP proxy the test cuts and restores (restarting the shared server
 * would break the other suites), then lose every connection to `pg_terminate_backend`. Requests
 * in the window answer 503 with Retry-After within a bound, never 500; both processes recover by
 * themselves and every accepted message is delivered.
 */

const postgresUp = await postgresAvailable();
if (!postgresUp)
  console.warn(`scale-out: PostgreSQL outage: skipped (PostgreSQL at ${testDatabaseUrl} does not answer).`);

/** No request may take longer than this while the database is gone (the pool's connect timeout is 3 s). */
const BOUND_MS = 5000;

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function readyz(base: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: await res.json() };
}

async function statusOf(url: string, secretKey: string, id: string): Promise<string> {
  const res = await fetch(`${url}/v1/messages/${id}`, { headers: { authorization: `Bearer ${secretKey}` } });
  return ((await res.json()) as { status: string }).status;
}

/** A database, a fake provider behind a webhook connector, a proxy in front of the database, and the cluster's env pointing through it. */
async function setUp(): Promise<{
  c: Cluster;
  provider: FakeProvider;
  proxy: TcpProxy;
  secretKey: string;
  dbName: string;
}> {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  const target = new URL(testDatabaseUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  cleanups.push(() => proxy.close());
  const viaProxy = new URL(db.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const provider = await startFakeProvider();
  cleanups.push(() => provider.close());
  provider.reply({ body: { id: 'rcv' } });
  const c = cluster(root, { MESSAGEJS_DATABASE_URL: viaProxy.toString(), MESSAGEJS_LEASE_MS: '2000' });
  cleanups.push(() => c.stopAll());
  const { projectId, secretKey } = await c.init();
  await c.addWebhook(projectId, `${provider.url}/hook`);
  return { c, provider, proxy, secretKey, dbName: new URL(db.url).pathname.slice(1) };
}

const deliveredIds = (provider: FakeProvider) => provider.requests.map((r) => (r.json as { id: string }).id);

/** Sends until one is accepted; every answer meanwhile must be 202 or a prompt 503 with Retry-After. */
async function sendUntilAccepted(url: string, secretKey: string, i: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const startedAt = Date.now();
    const res = await postMessage(url, secretKey, i);
    expect(Date.now() - startedAt).toBeLessThan(BOUND_MS);
    if (res.status === 202) return res.body.id as string;
    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.body.error.code).toBe('store_unavailable');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    if (Date.now() > deadline) throw new Error(`no 202 within ${timeoutMs} ms`);
    await sleep(100);
  }
}

describe.skipIf(!postgresUp)('scale-out: PostgreSQL unreachable while sending', { timeout: 90_000 }, () => {
  it('cut by a proxy: 503 + Retry-After within 5 s (never 500), /readyz 503; back: 202 again, every accepted message delivered', async () => {
    const { c, provider, proxy, secretKey } = await setUp();
    provider.reply({ body: { id: 'rcv' }, delayMs: 800 });
    const relay = await c.startRelay('relay');
    const worker = await c.startWorker('worker');
    const accepted: string[] = [];
    for (let i = 0; i < 5; i++) accepted.push(await sendUntilAccepted(relay.url, secretKey, i, 0));
    await until(() => (provider.requests.length > 0 ? true : undefined), 'a delivery in flight');

    // Cut while deliveries may be in flight: the worker cannot record them until the database is back.
    await proxy.down();
    for (let i = 0; i < 5; i++) {
      const startedAt = Date.now();
      const res = await postMessage(relay.url, secretKey, 100 + i);
      expect(Date.now() - startedAt).toBeLessThan(BOUND_MS);
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect(res.body.error.code).toBe('store_unavailable');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const startedAt = Date.now();
    expect(await readyz(relay.url)).toEqual({
      status: 503,
      body: { status: 'not_ready', database: 'down', worker: 'disabled' },
    });
    expect(Date.now() - startedAt).toBeLessThan(BOUND_MS);
    expect(await readyz(worker.health)).toMatchObject({ status: 503, body: { database: 'down' } });
    await sleep(1000);

    await proxy.up();
    accepted.push(await sendUntilAccepted(relay.url, secretKey, 200, 15_000));
    for (let i = 1; i < 5; i++) accepted.push(await sendUntilAccepted(relay.url, secretKey, 200 + i, 0));
    expect((await readyz(relay.url)).status).toBe(200);
    await until(async () => ((await readyz(worker.health)).status === 200 ? true : undefined), 'the worker ready');

    await until(
      () => (accepted.every((id) => deliveredIds(provider).includes(id)) ? true : undefined),
      'every accepted message delivered',
      20_000,
    );
    for (const id of accepted) {
      await until(async () => ((await statusOf(relay.url, secretKey, id)) === 'sent' ? true : undefined), `${id} sent`);
    }
    for (const p of [relay.proc, worker.proc]) {
      expect(p.output()).not.toMatch(/internal_error|unhandled|uncaught/i);
      expect(p.proc.exitCode).toBe(null);
    }
  });

  it('pg_terminate_backend of every connection: the relay answers 202 or 503 (never 500) and recovers; the worker listens again and delivers', async () => {
    const { c, provider, secretKey, dbName } = await setUp();
    const relay = await c.startRelay('relay');
    const worker = await c.startWorker('worker');
    const accepted: string[] = [];
    for (let i = 0; i < 5; i++) accepted.push(await sendUntilAccepted(relay.url, secretKey, i, 0));
    await until(() => (accepted.every((id) => deliveredIds(provider).includes(id)) ? true : undefined), 'deliveries');

    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    cleanups.push(() => admin.end());
    const backends = async () =>
      (
        await admin.query<{ pid: number; app: string }>(
          `SELECT pid, application_name AS app FROM pg_stat_activity
            WHERE datname = $1 AND application_name LIKE 'messagejs-relay%'`,
          [dbName],
        )
      ).rows;
    const before = await backends();
    // The relay's pool, the worker's pool and the worker's LISTEN connection.
    expect(before.some((b) => b.app === 'messagejs-relay (listen)')).toBe(true);
    const { rows } = await admin.query<{ done: boolean }>(
      `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
        WHERE datname = $1 AND application_name LIKE 'messagejs-relay%'`,
      [dbName],
    );
    expect(rows.length).toBe(before.length);
    expect(rows.every((r) => r.done)).toBe(true);

    // Idle pooled connections were killed under the relay: each answer is 202 or a prompt 503.
    for (let i = 0; i < 10; i++) accepted.push(await sendUntilAccepted(relay.url, secretKey, 10 + i, 10_000));
    // The worker's LISTEN connection is a new one (it reconnects by itself).
    const oldPids = new Set(before.map((b) => b.pid));
    await until(
      async () =>
        (await backends()).some((b) => b.app === 'messagejs-relay (listen)' && !oldPids.has(b.pid)) ? true : undefined,
      'the worker to LISTEN again',
    );
    await until(
      () => (accepted.every((id) => deliveredIds(provider).includes(id)) ? true : undefined),
      'every accepted message delivered',
      20_000,
    );
    expect((await readyz(relay.url)).status).toBe(200);
    expect((await readyz(worker.health)).status).toBe(200);
    for (const p of [relay.proc, worker.proc]) {
      expect(p.output()).not.toMatch(/internal_error|unhandled|uncaught/i);
      expect(p.proc.exitCode).toBe(null);
    }
  });
});
