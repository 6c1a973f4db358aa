import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { openPostgres } from '../../src/store/postgres/database.js';
import { poolDb } from '../../src/store/postgres/pg-db.js';
import { freshDatabase, postgresAvailable } from '../helpers/postgres.js';

const available = await postgresAvailable();
if (!available)
  console.warn('PostgreSQL pool tests skipped: no PostgreSQL server answers (MESSAGEJS_TEST_DATABASE_URL).');

describe.runIf(available)('the PostgreSQL pool, when connections fail', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let pool: pg.Pool;
  beforeEach(async () => {
    database = await freshDatabase({ migrate: false });
    pool = openPostgres(database.url, { max: 2, applicationName: 'pool-test' });
  });
  afterEach(async () => {
    await pool.end().catch(() => {});
    await database.drop();
  });

  const kill = () =>
    database.pool.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'pool-test'`,
    );

  it('fails a transaction whose connection the server kills, and serves the next one', async () => {
    const db = poolDb(pool);
    const running = db.tx((q) => q.query('SELECT pg_sleep(30)'));
    const outcome = running.then(
      () => 'committed',
      (error: Error) => error.message,
    );
    let killed = 0;
    for (let i = 0; i < 100 && killed === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      killed = (await kill()).rows.length;
    }
    expect(await outcome).toMatch(/terminating connection/);
    // The process is alive (an unhandled `error` event on the client would have ended it), and the
    // broken connection was not put back in the pool.
    expect(await db.tx(async (q) => (await q.query<{ n: number }>('SELECT 1 AS n')).rows)).toEqual([{ n: 1 }]);
  });

  it('replaces an idle connection the server dropped', async () => {
    await pool.query('SELECT 1');
    expect((await kill()).rows).toEqual([{ killed: true }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await pool.query<{ n: number }>('SELECT 2 AS n')).rows).toEqual([{ n: 2 }]);
  });

  it('answers an error, not a hang, when no server listens', async () => {
    const nowhere = openPostgres('postgres://postgres@127.0.0.1:9/none', { connectionTimeoutMillis: 1000 });
    const started = Date.now();
    await expect(nowhere.query('SELECT 1')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
    await nowhere.end();
  });
});
