import crypto from 'node:crypto';
import pg from 'pg';
import { migratePostgres } from '../../src/store/postgres/database.js';
import { pgTypes, poolDb } from '../../src/store/postgres/pg-db.js';
import type { PgDb } from '../../src/store/postgres/queryable.js';
import { testDatabaseUrl } from './postgres-probe.js';

/** The server the PostgreSQL suites use: `MESSAGEJS_TEST_DATABASE_URL`, else the local one. */
export { testDatabaseUrl };

let available: Promise<boolean> | null = null;

/** Whether the test server answers (asked once per process). */
export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return available;
}

function urlFor(database: string): string {
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A new database on the test server, migrated as a relay would (unless `migrate: false`); `drop` removes it. */
export async function freshDatabase(options: { migrate?: boolean } = {}): Promise<{
  url: string;
  pool: pg.Pool;
  db: PgDb;
  drop: () => Promise<void>;
}> {
  const name = `mjs_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const pool = new pg.Pool({ connectionString: url, types: pgTypes, max: 4 });
  if (options.migrate !== false) await migratePostgres(pool);
  return {
    url,
    pool,
    db: poolDb(pool),
    async drop() {
      await pool.end().catch(() => {});
      const client = new pg.Client({ connectionString: testDatabaseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
