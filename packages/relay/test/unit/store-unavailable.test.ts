import net from 'node:net';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorStatus } from '@messagejs/shared-types';
import { AppError, isAppError } from '../../src/domain/app-error.js';
import { isUnavailable, STORE_RETRY_AFTER_SECONDS, withUnavailableErrors } from '../../src/store/postgres/errors.js';
import type { Store } from '../../src/store/types/index.js';
import { postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const coded = (code: string, message = `failed with ${code}`) => Object.assign(new Error(message), { code });

describe('isUnavailable', () => {
  it.each([
    ['connection refused', coded('ECONNREFUSED')],
    ['connection reset', coded('ECONNRESET')],
    ['connect timed out', coded('ETIMEDOUT')],
    ['host name not resolved (yet)', coded('EAI_AGAIN')],
    ['every address of a host refused (Node tries each)', new AggregateError([coded('ECONNREFUSED')], 'refused')],
    ['57P01 admin_shutdown (restart, pg_terminate_backend)', coded('57P01')],
    ['57P03 cannot_connect_now (starting up)', coded('57P03')],
    ['08006 connection_failure', coded('08006')],
    ['08P01 protocol_violation (class 08)', coded('08P01')],
    ['53300 too_many_connections', coded('53300')],
    ['the pool found no connection in time', new Error('timeout exceeded when trying to connect')],
    ['the connection dropped mid-query', new Error('Connection terminated unexpectedly')],
    ['the connect timed out', new Error('Connection terminated due to connection timeout')],
    ['a cause that is one of them', new Error('wrapped', { cause: coded('ECONNREFUSED') })],
  ])('is true for %s', (_name, error) => {
    expect(isUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', coded('23505')],
    ['a foreign key violation', coded('23503')],
    ['a NUL character in text', coded('22021')],
    ['an unknown table', coded('42P01')],
    ['a query timeout (the database answers; the query was slow)', coded('57014')],
    ['an AppError', new AppError('not_found', 'nope')],
    ['a plain error', new Error('boom')],
    ['a pool closed on purpose', new Error('Cannot use a pool after calling end on the pool')],
    ['null', null],
    ['a string', 'ECONNREFUSED'],
  ])('is false for %s', (_name, error) => {
    expect(isUnavailable(error)).toBe(false);
  });
});

/** A store-shaped object: just the parts the wrapper touches. */
function fakeStore(overrides: Record<string, unknown> = {}) {
  let fail: Error | null = null;
  const listener = () => () => {};
  const store = {
    messages: {
      get: async (id: string) => {
        if (fail) throw fail;
        return { id };
      },
    },
    outbox: { pending: () => 3 },
    transaction: async (work: (tx: unknown) => Promise<unknown>) => {
      if (fail) throw fail;
      return work({});
    },
    ping: async () => {
      if (fail) throw fail;
      return true;
    },
    close: async () => {},
    onWork: listener,
    ...overrides,
  };
  return { store: store as unknown as Store, listener, failWith: (error: Error | null) => (fail = error) };
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, destination), lines };
}

describe('withUnavailableErrors', () => {
  it('answers an unreachable database with 503 store_unavailable and Retry-After, keeping the cause', async () => {
    const { store, failWith } = fakeStore();
    const wrapped = withUnavailableErrors(store);
    const refused = coded('ECONNREFUSED');
    failWith(refused);
    const error = await wrapped.messages.get('msg_1').catch((e: unknown) => e);
    expect(isAppError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'store_unavailable', retryAfter: STORE_RETRY_AFTER_SECONDS, cause: refused });
    expect(errorStatus.store_unavailable).toBe(503);
    // A unit of work that cannot get a connection fails the same way.
    await expect(wrapped.transaction(async () => 1)).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('passes other errors, answers and non-promise results through unchanged', async () => {
    const { store, failWith } = fakeStore();
    const wrapped = withUnavailableErrors(store);
    expect(await wrapped.messages.get('msg_1')).toEqual({ id: 'msg_1' });
    expect(wrapped.outbox.pending()).toBe(3);
    const unique = coded('23505');
    failWith(unique);
    await expect(wrapped.messages.get('msg_1')).rejects.toBe(unique);
  });

  it('answers ping false instead of throwing, and keeps onWork and close as they are', async () => {
    const { store, listener, failWith } = fakeStore();
    const wrapped = withUnavailableErrors(store);
    expect(await wrapped.ping()).toBe(true);
    failWith(coded('ECONNREFUSED'));
    expect(await wrapped.ping()).toBe(false);
    expect(wrapped.onWork).toBe(listener);
    expect(wrapped.close).toBe(store.close);
  });

  it('logs the outage once, however many calls fail, and once when the database answers again', async () => {
    const { store, failWith } = fakeStore();
    const { logger, lines } = capture();
    const wrapped = withUnavailableErrors(store, { logger });
    failWith(coded('ECONNREFUSED'));
    for (let i = 0; i < 5; i++) await wrapped.messages.get('msg_1').catch(() => {});
    failWith(null);
    await wrapped.messages.get('msg_1');
    await wrapped.messages.get('msg_1');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, expect.stringContaining('the database cannot be reached')],
      [30, 'the database answers again'],
    ]);
  });
});

/** A TCP port on 127.0.0.1 that nothing listens on (taken, then freed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const reachable = await postgresAvailable();
if (!reachable) console.warn(`PostgreSQL at ${testDatabaseUrl} does not answer: the driver-error cases are skipped.`);

describe.skipIf(!reachable)('isUnavailable on what pg really throws', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: testDatabaseUrl, max: 1, connectionTimeoutMillis: 300 });
    // An idle client whose backend is terminated emits `error` on the pool: expected here.
    pool.on('error', () => {});
  });
  afterAll(() => pool.end());

  it('is true when nothing listens on the port', async () => {
    const url = new URL(testDatabaseUrl);
    url.port = String(await closedPort());
    const closed = new pg.Pool({ connectionString: url.toString(), connectionTimeoutMillis: 1000 });
    const error = await closed.query('SELECT 1').catch((e: unknown) => e);
    await closed.end();
    expect(isUnavailable(error)).toBe(true);
  });

  it('is true when the pool finds no free connection in time', async () => {
    const held = await pool.connect();
    try {
      const error = await pool.query('SELECT 1').catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/timeout/);
      expect(isUnavailable(error)).toBe(true);
    } finally {
      held.release();
    }
  });

  it('is true when the server ends the session (pg_terminate_backend), false for a bad statement', async () => {
    const client = await pool.connect();
    const killer = new pg.Client({ connectionString: testDatabaseUrl });
    await killer.connect();
    try {
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      client.on('error', () => {});
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      const error = await client.query('SELECT 1').catch((e: unknown) => e);
      expect(isUnavailable(error)).toBe(true);
    } finally {
      client.release(true);
      await killer.end();
    }
    const syntax = await pool.query('SELEC 1').catch((e: unknown) => e);
    expect((syntax as { code?: string }).code).toBe('42601');
    expect(isUnavailable(syntax)).toBe(false);
  });

  it('is true while the server is gone (connections reset, then refused), and the same pool answers once it is back', async () => {
    const target = new URL(testDatabaseUrl);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const url = new URL(testDatabaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const viaProxy = new pg.Pool({ connectionString: url.toString(), max: 2, connectionTimeoutMillis: 1000 });
    viaProxy.on('error', () => {});
    try {
      expect((await viaProxy.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      const held = await viaProxy.connect();
      // Checked out, a client has no pool listener: its 'error' would otherwise end the process.
      held.on('error', () => {});
      const inFlight = held.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await proxy.down();
      // The query running when the server went away, and a new one that finds nothing listening.
      expect(isUnavailable(await inFlight)).toBe(true);
      held.release(true);
      expect(isUnavailable(await viaProxy.query('SELECT 1').catch((e: unknown) => e))).toBe(true);
      await proxy.up();
      expect((await viaProxy.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await viaProxy.end();
      await proxy.close();
    }
  });
});
