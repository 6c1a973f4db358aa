import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { freshDatabase, postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
import { call, startRelay, type TestRelay } from '../helpers/start-relay.js';

/**
 * `MESSAGEJS_DATABASE_STATEMENT_TIMEOUT_MS`: the pool's connections carry a `statement_timeout`,
 * so a statement stuck behind a lock (or slow) is cancelled by the server and the request answers
 * `503 store_unavailable` with Retry-After, not a 500 and not a hang; migrations wait without it.
 */

const postgresUp = await postgresAvailable();
if (!postgresUp) console.warn(`statement timeout: skipped (PostgreSQL at ${testDatabaseUrl} does not answer).`);

const TIMEOUT_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A connection of the test's own to `url`, holding `lock` in an open transaction until `release`. */
async function holdLock(url: string, lock: string): Promise<{ release: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(lock);
  let released: Promise<void> | null = null;
  return {
    release: () =>
      (released ??= (async () => {
        await client.query('ROLLBACK');
        await client.end();
      })()),
  };
}

describe.skipIf(!postgresUp)('statement timeout (PostgreSQL)', () => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startRelay({
      env: { MESSAGEJS_DATABASE_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS), MESSAGEJS_WORKER: 'off' },
    });
  });
  afterAll(() => t?.cleanup());

  it('answers 503 store_unavailable with Retry-After when a statement waits past it, then 202 once the lock is gone', async () => {
    const send = () =>
      call(t, 'POST', '/v1/messages', {
        key: t.demo.secretKey,
        body: { to: '+212612345678', text: 'hello', channel: 'sms' },
        serverError: true,
      });
    expect((await send()).status).toBe(202);
    const lock = await holdLock(t.location.databaseUrl!, 'LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
    // Without a timeout the send would wait for the lock: let it go after a while, so the test fails rather than hangs.
    const fallback = setTimeout(() => void lock.release(), 4000);
    try {
      const startedAt = Date.now();
      const refused = await send();
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('store_unavailable');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Date.now() - startedAt).toBeLessThan(TIMEOUT_MS + 2000);
    } finally {
      clearTimeout(fallback);
      await lock.release();
    }
    expect((await send()).status).toBe(202);
    expect(t.logText()).toMatch(/ran past MESSAGEJS_DATABASE_STATEMENT_TIMEOUT_MS/);
    expect(t.logText()).not.toMatch(/unhandled error|internal_error/);
  });

  it('lets migrations wait for another relay’s migration lock longer than the timeout', async () => {
    const db = await freshDatabase({ migrate: false });
    try {
      // The migrations' session lock (`MIGRATION_LOCK` in postgres/database.ts), held by "another relay".
      const other = new pg.Client({ connectionString: db.url });
      await other.connect();
      await other.query('SELECT pg_advisory_lock(5569355618581967476)');
      const opening = createPostgresStore(db.url, { statementTimeoutMs: TIMEOUT_MS });
      await sleep(TIMEOUT_MS * 4);
      await other.end();
      const store = await opening;
      try {
        expect(await store.ping()).toBe(true);
        expect(await store.projects.list()).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });
});
