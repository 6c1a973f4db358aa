import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { migrations as sqliteMigrations } from '../../src/store/sqlite/migrations/index.js';
import { migrations as postgresMigrations } from '../../src/store/postgres/migrations/index.js';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { CLI, requireBuiltCli, runCli, spawnCli, type CliProcess } from '../helpers/cli.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { freshDatabase, postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { call, tempDir } from '../helpers/start-relay.js';

// Each test spawns relays and workers, each loading a whole relay's modules: 20 s and more on a
// busy 2-core machine, past the suite's default.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

/**
 * The relay as separate processes (issue 13): `start --no-worker` serves HTTP only, `worker`
 * delivers, `migrate` migrates. On SQLite they share one data directory; on PostgreSQL they share
 * only the database (and MESSAGEJS_MASTER_KEY).
 */

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let running: CliProcess[] = [];
let provider: FakeProvider | null = null;
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  running = [];
  await provider?.close();
  provider = null;
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(25);
  }
}

/** `start --no-worker`: resolves with its URL once it listens. */
async function startHttpOnly(dataDir: string, env: Record<string, string> = {}) {
  const proc = await spawnCli(['start', '--no-worker', '--port', '0', '--data-dir', dataDir], {
    env,
    ready: /listening on (http:\/\/\S+) \(.*, no worker\)/,
  });
  running.push(proc);
  return { proc, url: proc.ready[1]! };
}

/** `worker --health-port 0`: resolves with its health listener's URL once it runs. */
async function startWorker(dataDir: string, env: Record<string, string> = {}) {
  const proc = await spawnCli(['worker', '--health-port', '0', '--data-dir', dataDir], {
    env,
    ready: /health checks on (http:\/\/\S+)\/healthz/,
  });
  running.push(proc);
  return { proc, health: proc.ready[1]! };
}

/** A webhook connector of the demo project that posts to the fake provider. */
async function addProviderConnector(dataDir: string, projectId: string, url: string, env: Record<string, string> = {}) {
  const res = await runCli(
    [
      'connectors',
      'add',
      '--project',
      projectId,
      '--type',
      'webhook',
      '--channels',
      'sms',
      '--priority',
      '1',
      '--config',
      JSON.stringify({ url: `${url}/hook` }),
      '--credentials-stdin',
      '--data-dir',
      dataDir,
    ],
    { env, input: JSON.stringify({ secret: 'processes-test-secret-0123456789' }) },
  );
  expect(res.code, res.stderr).toBe(0);
}

/** `init` in `dataDir`: the demo project's id and secret key. */
async function init(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ projectId: string; secretKey: string }> {
  const res = await runCli(['init', '--data-dir', dataDir, '--json'], { env });
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as { projectId: string; secretKey: string };
}

async function send(url: string, secretKey: string, i: number, options: { serverError?: boolean } = {}) {
  return call({ url }, 'POST', '/v1/messages', {
    key: secretKey,
    body: { to: `+3361234${String(5600 + i)}`, text: `process test ${i}`, channel: 'sms' },
    ...options,
  });
}

const deliveredIds = (p: FakeProvider) => p.requests.map((r) => (r.json as { id: string }).id);

/** What the worker's health listener answers (no OpenAPI document there: it serves nothing else). */
async function health(base: string, route: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${route}`);
  return { status: res.status, body: await res.json() };
}

describe('processes on SQLite (one data directory)', () => {
  it('start --no-worker stores and waits; a worker process delivers; its listener answers /healthz and /readyz only', async () => {
    const dataDir = path.join(root, 'sqlite-split');
    const { projectId, secretKey } = await init(dataDir);
    provider = await startFakeProvider();
    provider.reply({ body: { id: 'rcv_1' } });
    await addProviderConnector(dataDir, projectId, provider.url);
    const relay = await startHttpOnly(dataDir);

    const accepted = await send(relay.url, secretKey, 1);
    expect(accepted.status).toBe(202);
    const ready = await call(relay, 'GET', '/readyz');
    expect(ready.body).toEqual({ status: 'ready', database: 'ok', worker: 'disabled' });
    await sleep(600);
    expect(provider.requests).toHaveLength(0);

    const worker = await startWorker(dataDir);
    await until(() => provider!.requests.length > 0 || undefined);
    expect(deliveredIds(provider)).toEqual([accepted.body.id]);
    await until(
      async () =>
        (await call(relay, 'GET', `/v1/messages/${accepted.body.id}`, { key: secretKey })).body.status === 'sent',
    );

    expect(await health(worker.health, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await health(worker.health, '/readyz')).toEqual({
      status: 200,
      body: { status: 'ready', database: 'ok', worker: 'ok' },
    });
    expect(await health(worker.health, '/v1/messages')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    expect(await worker.proc.stop('SIGTERM')).toBe(0);
  });

  it('a worker stopped with SIGTERM finishes the delivery in flight, then exits 0', async () => {
    const dataDir = path.join(root, 'sqlite-sigterm');
    const { projectId, secretKey } = await init(dataDir);
    provider = await startFakeProvider();
    provider.reply({ body: { id: 'rcv_slow' }, delayMs: 1500 });
    await addProviderConnector(dataDir, projectId, provider.url);
    const relay = await startHttpOnly(dataDir);
    const worker = await startWorker(dataDir);
    const accepted = await send(relay.url, secretKey, 2);
    await until(() => provider!.requests.length > 0 || undefined);
    const stoppedAt = Date.now();
    expect(await worker.proc.stop('SIGTERM')).toBe(0);
    // It waited for the provider's answer and recorded it before exiting.
    expect(Date.now() - stoppedAt).toBeGreaterThan(500);
    const read = await call(relay, 'GET', `/v1/messages/${accepted.body.id}`, { key: secretKey });
    expect(read.body).toMatchObject({ status: 'sent', providerMessageId: 'rcv_slow' });
    expect(provider.requests).toHaveLength(1);
  });

  it('a worker without --health-port stays up while idle; SIGTERM then ends it with 0 and a `stopped` log line', async () => {
    const dataDir = path.join(root, 'sqlite-idle');
    await init(dataDir);
    const worker = await spawnCli(['worker', '--data-dir', dataDir], {
      env: { LOG_LEVEL: 'info' },
      ready: /MessageJS worker running/,
    });
    running.push(worker);
    // Idle past several of its polls: before, nothing held the process open on SQLite and it ended by itself.
    await sleep(3000);
    expect(worker.proc.exitCode).toBeNull();
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.proc.signalCode).toBeNull();
    // Both lines, in that order by their times: pino writes asynchronously, so a line may reach
    // the pipe after a later one.
    const lines = worker
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { time: string; msg: string; signal?: string });
    const shutting = lines.find((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM');
    const stopped = lines.find((l) => l.msg === 'stopped' && l.signal === 'SIGTERM');
    expect(shutting).toBeDefined();
    expect(stopped).toBeDefined();
    expect(Date.parse(shutting!.time)).toBeLessThanOrEqual(Date.parse(stopped!.time));
  });

  it('a worker signalled while it starts still stops cleanly: exit 0, not killed by SIGTERM', async () => {
    const dataDir = path.join(root, 'sqlite-early');
    await init(dataDir);
    requireBuiltCli();
    const proc = spawn(process.execPath, [CLI, 'worker', '--data-dir', dataDir], {
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (c) => (out += c));
    proc.stderr.on('data', (c) => (out += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // Past Node's own start-up (tens of ms; no process can catch a signal before it), and well
    // before the worker is up (a second or so here: loading the CLI, opening the store).
    await sleep(500);
    proc.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    // In the order of their times: pino writes asynchronously, so a line may reach the pipe after a later one.
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { time: string; msg: string; signal?: string });
    const at = (msg: string) => Date.parse(lines.find((l) => l.msg === msg)?.time ?? 'NaN');
    expect(lines.find((l) => l.msg === 'shutting down')?.signal).toBe('SIGTERM');
    expect(at('worker running')).toBeLessThanOrEqual(at('shutting down'));
    expect(at('shutting down')).toBeLessThanOrEqual(at('stopped'));
  });

  it('migrate applies the pending migrations and prints the versions; a second run has nothing to do', async () => {
    const dataDir = path.join(root, 'sqlite-migrate');
    fs.mkdirSync(dataDir);
    const first = await runCli(['migrate', '--data-dir', dataDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`SQLite (${dataDir}): schema migrated from version 0 to ${sqliteMigrations.length}.\n`);
    const again = await runCli(['migrate', '--data-dir', dataDir, '--json']);
    expect(JSON.parse(again.stdout)).toEqual({
      backend: 'sqlite',
      database: dataDir,
      from: sqliteMigrations.length,
      to: sqliteMigrations.length,
    });
  });

  it('migrate creates no SQLite data directory', async () => {
    const missing = path.join(root, 'sqlite-missing');
    const res = await runCli(['migrate', '--data-dir', missing]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`No data directory at ${missing}`);
    expect(fs.existsSync(missing)).toBe(false);
  });
});

const postgresUp = await postgresAvailable();
if (!postgresUp) console.warn(`migrate on PostgreSQL: skipped (PostgreSQL at ${testDatabaseUrl} does not answer).`);

describe.skipIf(!postgresUp)('migrate on PostgreSQL', () => {
  it('migrate prints the versions it applied, then that nothing was pending', async () => {
    const db = await freshDatabase({ migrate: false });
    cleanups.push(() => db.drop());
    const env = { MESSAGEJS_DATABASE_URL: db.url, MESSAGEJS_MASTER_KEY: crypto.randomBytes(32).toString('hex') };
    const first = await runCli(['migrate'], { env, cwd: root });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(
        `^PostgreSQL \\(postgres://.+\\): schema migrated from version 0 to ${postgresMigrations.length}\\.\\n$`,
      ),
    );
    const again = JSON.parse((await runCli(['migrate', '--json'], { env, cwd: root })).stdout);
    expect(again).toMatchObject({
      backend: 'postgres',
      from: postgresMigrations.length,
      to: postgresMigrations.length,
    });
  });
});

/**
 * Why the PostgreSQL processes cannot run here, or null when they can: the server must answer
 * and the PostgreSQL store must be on this branch (pg-core's `createPostgresStore`).
 */
async function postgresSkipReason(): Promise<string | null> {
  if (!(await postgresAvailable())) return `PostgreSQL at ${testDatabaseUrl} does not answer`;
  const db = await freshDatabase({ migrate: false });
  try {
    const store = await createPostgresStore(db.url, { migrate: false });
    await store.close();
    return null;
  } catch (error) {
    if (/not on this branch yet/.test((error as Error).message))
      return 'the PostgreSQL store is not on this branch yet';
    throw error;
  } finally {
    await db.drop();
  }
}

const skipPostgres = await postgresSkipReason();
if (skipPostgres) console.warn(`processes on PostgreSQL: skipped (${skipPostgres}).`);

describe.skipIf(skipPostgres !== null)('processes on PostgreSQL (one database, separate data directories)', () => {
  const masterKey = crypto.randomBytes(32).toString('hex');

  /** A fresh database (dropped after the test) and the environment every process of the test gets. */
  async function database(url?: (dbUrl: string) => string) {
    const db = await freshDatabase({ migrate: false });
    cleanups.push(() => db.drop());
    return { db, env: { MESSAGEJS_DATABASE_URL: url ? url(db.url) : db.url, MESSAGEJS_MASTER_KEY: masterKey } };
  }

  it('start --no-worker and a worker on another data directory deliver; NOTIFY wakes the worker well under its 5 s poll', async () => {
    const { env } = await database();
    const relayDir = path.join(root, 'pg-relay');
    const workerDir = path.join(root, 'pg-worker');
    const { projectId, secretKey } = await init(relayDir, env);
    provider = await startFakeProvider();
    provider.reply({ body: { id: 'rcv_pg' } });
    await addProviderConnector(relayDir, projectId, provider.url, env);
    const relay = await startHttpOnly(relayDir, env);
    const worker = await startWorker(workerDir, env);
    await until(async () => (await health(worker.health, '/readyz')).status === 200 || undefined);

    for (let i = 0; i < 3; i++) {
      // Idle for a while first, so that only a notice (not a poll that happens to come) explains a prompt delivery.
      await sleep(1200);
      const sentAt = Date.now();
      const accepted = await send(relay.url, secretKey, 10 + i);
      expect(accepted.status).toBe(202);
      await until(() => deliveredIds(provider!).includes(accepted.body.id) || undefined, 10_000);
      expect(Date.now() - sentAt).toBeLessThan(1500);
    }
    expect(await call(relay, 'GET', '/readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready', database: 'ok', worker: 'disabled' },
    });
    expect(fs.existsSync(path.join(workerDir, 'messagejs.db'))).toBe(false);
    expect(await worker.proc.stop('SIGTERM')).toBe(0);
  });

  it('two relays started at once on an empty database make one demo project and one setup link; a restart keeps the link', async () => {
    const { db, env } = await database();
    const ready = /listening on (http:\/\/\S+) \(.*, no worker\)/;
    const startOne = async (dir: string) => {
      const proc = await spawnCli(['start', '--no-worker', '--port', '0', '--data-dir', path.join(root, dir)], {
        env,
        ready,
      });
      running.push(proc);
      return proc;
    };
    const both = await Promise.all([startOne('pg-race-a'), startOne('pg-race-b')]);
    const outputs = both.map((p) => p.output());

    const { rows: projects } = await db.pool.query<{ name: string }>('SELECT name FROM projects');
    expect(projects).toEqual([{ name: 'Demo' }]);
    expect(outputs.filter((out) => out.includes('a demo project was created'))).toHaveLength(1);
    const { rows: tokens } = await db.pool.query<{ hash: string; used_at: number | null }>(
      'SELECT hash, used_at FROM setup_tokens',
    );
    expect(tokens).toHaveLength(1);
    const printed = outputs.flatMap((out) =>
      [...out.matchAll(/\/setup\?token=(st_[0-9A-Za-z]{43})/g)].map((m) => m[1]!),
    );
    // One relay printed the link; the other says that it works and where to get another.
    expect(printed).toHaveLength(1);
    expect(crypto.createHash('sha256').update(printed[0]!).digest('hex')).toBe(tokens[0]!.hash);
    expect(outputs.filter((out) => /setup link printed at \S+ still works, once, until/.test(out))).toHaveLength(1);

    await both[1].stop('SIGTERM');
    const again = await startOne('pg-race-b');
    expect(again.output()).toMatch(/setup link printed at \S+ still works, once, until/);
    expect(again.output()).toMatch(/--new-setup-link/);
    expect(again.output()).not.toMatch(/setup\?token=/);
    expect((await db.pool.query('SELECT hash FROM setup_tokens')).rows).toEqual([{ hash: tokens[0]!.hash }]);
    expect((await db.pool.query('SELECT id FROM projects')).rows).toHaveLength(1);
  });

  it('warns at start when MESSAGEJS_MASTER_KEY is not set', async () => {
    const { env } = await database();
    const relay = await startHttpOnly(path.join(root, 'pg-no-key'), {
      MESSAGEJS_DATABASE_URL: env.MESSAGEJS_DATABASE_URL,
    });
    await until(
      () => /Warning: PostgreSQL is used without MESSAGEJS_MASTER_KEY/.test(relay.proc.output()) || undefined,
      5000,
    );
  });

  describe('with the database gone', () => {
    let proxy: TcpProxy;

    it('answers 503 store_unavailable with Retry-After (never a 500, never a hang), readiness 503, and recovers by itself', async () => {
      proxy = await startTcpProxy({
        host: new URL(testDatabaseUrl).hostname,
        port: Number(new URL(testDatabaseUrl).port || 5432),
      });
      cleanups.push(() => proxy.close());
      const { db, env } = await database((dbUrl) => {
        const viaProxy = new URL(dbUrl);
        viaProxy.hostname = '127.0.0.1';
        viaProxy.port = String(proxy.port);
        return viaProxy.toString();
      });
      const dataDir = path.join(root, 'pg-down');
      // Straight to the server: the setup does not depend on the proxy this test takes down.
      const { secretKey } = await init(dataDir, { ...env, MESSAGEJS_DATABASE_URL: db.url });
      const relay = await startHttpOnly(dataDir, env);
      expect((await send(relay.url, secretKey, 20)).status).toBe(202);

      await proxy.down();
      for (let i = 0; i < 3; i++) {
        const startedAt = Date.now();
        const refused = await send(relay.url, secretKey, 21 + i, { serverError: true });
        expect(Date.now() - startedAt).toBeLessThan(8000);
        expect(refused.status).toBe(503);
        expect(refused.body.error.code).toBe('store_unavailable');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      const notReady = await call(relay, 'GET', '/readyz', { serverError: true });
      expect(notReady).toMatchObject({ status: 503, body: { status: 'not_ready', database: 'down' } });

      await proxy.up();
      const back = await until(async () => {
        const res = await send(relay.url, secretKey, 30, { serverError: true });
        return res.status === 202 ? res : undefined;
      });
      expect(back.status).toBe(202);
      expect((await call(relay, 'GET', '/readyz')).status).toBe(200);
      expect(relay.proc.output()).not.toMatch(/"level":50.*unhandled error/);
    });
  });
});
