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
  // An idle client's connection error is re-emitted on its pool, and an `error` event no one
  // listens to is thrown. `pool.end()` resolves before its clients' connections have closed, so a
  // test that ends connections to this database (`giveBack`, a relay's outage) can reach a client
  // still closing; the pool drops such a client by itself, and nothing else needs telling.
  pool.on('error', () => {});
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

/** Databases given back by `borrowDatabase`'s `giveBack`, emptied and ready for the next relay of this process. */
const spare: Array<{ url: string; name: string; drop: () => Promise<void> }> = [];
const borrowed = new Set<{ url: string; name: string; drop: () => Promise<void> }>();

/**
 * A migrated, empty database for one relay: a spare one this test process emptied before, else a
 * new one. `CREATE DATABASE` costs about a second and queues behind the others on the server, so
 * the relay suites reuse databases within a test file instead of making one per relay.
 * `giveBack` ends every other connection to it (a relay killed with -9 may leave one), empties
 * every table (identities restarted) and keeps it for the next borrower; `dropSpareDatabases`
 * removes them all when the file ends.
 */
export async function borrowDatabase(): Promise<{ url: string; giveBack: () => Promise<void> }> {
  let entry = spare.pop();
  if (!entry) {
    const made = await freshDatabase();
    await made.pool.end();
    entry = { url: made.url, name: new URL(made.url).pathname.slice(1), drop: made.drop };
  }
  borrowed.add(entry);
  const mine = entry;
  return {
    url: mine.url,
    async giveBack() {
      borrowed.delete(mine);
      const client = new pg.Client({ connectionString: mine.url });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [mine.name],
        );
        const { rows } = await client.query<{ name: string }>(
          "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
        );
        // DELETE, not TRUNCATE: on these small tables it is ~20× faster (TRUNCATE makes and syncs
        // new files). Foreign-key triggers are off for this session, so the order does not matter.
        await client.query('BEGIN');
        await client.query('SET LOCAL session_replication_role = replica');
        for (const { name } of rows) await client.query(`DELETE FROM ${name}`);
        await client.query(
          "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'",
        );
        await client.query('COMMIT');
        spare.push(mine);
      } catch {
        await mine.drop().catch(() => {});
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

/** Drops the spare (and any still borrowed) databases of this test process. */
export async function dropSpareDatabases(): Promise<void> {
  const all = [...spare.splice(0), ...borrowed];
  borrowed.clear();
  await Promise.all(all.map((entry) => entry.drop().catch(() => {})));
}
