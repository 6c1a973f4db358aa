import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, migratePostgres, openPostgres } from '../../src/store/postgres/database.js';
import { migrations } from '../../src/store/postgres/migrations/index.js';
import { freshDatabase, postgresAvailable } from '../helpers/postgres.js';

const available = await postgresAvailable();
if (!available)
  console.warn('PostgreSQL migration tests skipped: no PostgreSQL server answers (MESSAGEJS_TEST_DATABASE_URL).');

describe.runIf(available)('PostgreSQL migrations', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let pools: pg.Pool[];
  const pool = () => {
    const opened = openPostgres(database.url, { max: 2 });
    pools.push(opened);
    return opened;
  };
  beforeEach(async () => {
    database = await freshDatabase({ migrate: false });
    pools = [];
  });
  afterEach(async () => {
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
    await database.drop();
  });

  const versions = async () =>
    (await database.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map(
      (r) => r.version,
    );
  const tableExists = async (name: string) =>
    (await database.pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [name])).rows[0]!.t !== null;

  it('applies every migration once, and nothing the second time', async () => {
    expect(await migratePostgres(database.pool)).toEqual({ from: 0, to: migrations.length });
    expect(await migratePostgres(database.pool)).toEqual({ from: migrations.length, to: migrations.length });
    expect(await versions()).toEqual(migrations.map((_, i) => i + 1));
    expect(await tableExists('outbox')).toBe(true);
  });

  it('applies them once when two relays start at the same moment: the second waits, then finds nothing to do', async () => {
    const results = await Promise.all([migratePostgres(pool()), migratePostgres(pool()), migratePostgres(pool())]);
    expect(results.map((r) => r.from).sort()).toEqual([0, migrations.length, migrations.length]);
    expect(await versions()).toEqual(migrations.map((_, i) => i + 1));
  });

  it('leaves the schema as it was when a migration fails halfway', async () => {
    const failing = 'CREATE TABLE half_done (id BIGINT); INSERT INTO half_done VALUES (1); SELECT 1 / 0;';
    await expect(applyMigrations(database.pool, [...migrations, failing])).rejects.toThrow(
      `PostgreSQL migration ${migrations.length + 1} failed and was rolled back: division by zero`,
    );
    expect(await tableExists('half_done')).toBe(false);
    expect(await versions()).toEqual(migrations.map((_, i) => i + 1));
    // Fixed, it applies on the next start.
    const fixed = 'CREATE TABLE half_done (id BIGINT);';
    expect(await applyMigrations(database.pool, [...migrations, fixed])).toEqual({
      from: migrations.length,
      to: migrations.length + 1,
    });
    expect(await tableExists('half_done')).toBe(true);
  });

  it('leaves the schema as it was when the connection is killed midway, and frees the lock', async () => {
    await migratePostgres(database.pool);
    const slow = 'CREATE TABLE half_done (id BIGINT); SELECT pg_sleep(30); CREATE TABLE never_made (id BIGINT);';
    const running = applyMigrations(pool(), [...migrations, slow]);
    const outcome = running.then(
      () => 'applied',
      (error: Error) => error.message,
    );
    // Kill the migrating connection while it sleeps between its two statements (a crashed relay).
    let killed = 0;
    for (let i = 0; i < 100 && killed === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { rows } = await database.pool.query<{ killed: boolean }>(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`,
      );
      killed = rows.length;
    }
    expect(killed).toBe(1);
    expect(await outcome).toMatch(
      new RegExp(`PostgreSQL migration ${migrations.length + 1} failed and was rolled back: terminating connection`),
    );
    expect([await tableExists('half_done'), await tableExists('never_made')]).toEqual([false, false]);
    expect(await versions()).toEqual(migrations.map((_, i) => i + 1));
    // The advisory lock went with the connection: the next start migrates at once.
    expect(await applyMigrations(pool(), [...migrations, 'CREATE TABLE half_done (id BIGINT);'])).toEqual({
      from: migrations.length,
      to: migrations.length + 1,
    });
  });

  it('refuses a database at a newer version than the relay', async () => {
    await migratePostgres(database.pool);
    await database.pool.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [
      migrations.length + 1,
    ]);
    await expect(migratePostgres(database.pool)).rejects.toThrow(
      `The database is at schema version ${migrations.length + 1}, newer than this relay (${migrations.length}). Upgrade the relay.`,
    );
  });
});
