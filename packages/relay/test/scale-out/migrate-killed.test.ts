import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/postgres/migrations/index.js';
import { CLI, requireBuiltCli, runCli } from '../helpers/cli.js';
import { freshDatabase, postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
import { tempDir } from '../helpers/start-relay.js';

/**
 * Issue 13, "a migration interrupted midway leaves the schema as it was", at the process level
 * (`test/store-contract/pg-migrations.test.ts` covers a failing statement and a terminated
 * connection inside one process): `messagejs-relay migrate` killed with SIGKILL after migration
 * 1's DDL has run but before its transaction commits.
 *
 * How the test stops it there: it holds `LOCK TABLE schema_migrations IN EXCLUSIVE MODE`, which
 * lets `migrate` read the version (ACCESS SHARE) and run the whole migration, but makes the
 * `INSERT` of the version row — the migration's last statement before `COMMIT` — wait. The test
 * sees that wait in `pg_stat_activity`, and in `pg_locks` the locks the migration's uncommitted
 * `CREATE TABLE`s hold, then kills the process.
 */

const postgresUp = await postgresAvailable();
if (!postgresUp)
  console.warn(`scale-out: migrate killed midway: skipped (PostgreSQL at ${testDatabaseUrl} does not answer).`);

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Every table, column, index and constraint of the public schema, as text: equal snapshots, equal schemas. */
async function schemaOf(pool: pg.Pool): Promise<string[]> {
  const columns = await pool.query<{ line: string }>(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' ||
            coalesce(column_default, '') AS line
       FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const indexes = await pool.query<{ line: string }>(
    `SELECT indexdef AS line FROM pg_indexes WHERE schemaname = 'public'`,
  );
  const constraints = await pool.query<{ line: string }>(
    `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS line
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace`,
  );
  return [...columns.rows, ...indexes.rows, ...constraints.rows].map((r) => r.line).sort();
}

describe.skipIf(!postgresUp)('scale-out: `migrate` killed with SIGKILL midway', { timeout: 60_000 }, () => {
  it('leaves schema_migrations and the tables as they were; a second `migrate` completes', async () => {
    requireBuiltCli();
    const db = await freshDatabase({ migrate: false });
    cleanups.push(() => db.drop());
    const dbName = new URL(db.url).pathname.slice(1);
    // The state before: the tracking table `migrate` makes first, no migration applied.
    await db.pool.query('CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const before = await schemaOf(db.pool);
    expect(before.some((line) => line.startsWith('outbox.'))).toBe(false);

    const blocker = await db.pool.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
    const env = {
      LOG_LEVEL: 'warn',
      MESSAGEJS_DATA_DIR: root,
      MESSAGEJS_DATABASE_URL: db.url,
      MESSAGEJS_MASTER_KEY: crypto.randomBytes(32).toString('hex'),
    };
    const migrate = spawn(process.execPath, [CLI, 'migrate'], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    cleanups.push(async () => {
      if (migrate.exitCode === null && migrate.signalCode === null) migrate.kill('SIGKILL');
    });
    let backend = 0;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => migrate.once('exit', (_code, sig) => resolve(sig)));
    try {
      // Its backend waits to record version 1: migration 1's statements have all run.
      backend = await until(async () => {
        const { rows } = await db.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
              AND query LIKE 'INSERT INTO schema_migrations%'`,
          [dbName],
        );
        return rows[0]?.pid;
      }, 'migrate to wait on the version row');
      // The tables it created (uncommitted, so invisible here) hold their exclusive locks.
      const { rows: held } = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
          WHERE pid = $1 AND locktype = 'relation' AND mode = 'AccessExclusiveLock' AND granted`,
        [backend],
      );
      expect(held[0]!.n).toBeGreaterThan(10);

      migrate.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    // Its backend finds the client gone at the next statement (COMMIT never came) and rolls back.
    await until(async () => {
      const { rows } = await db.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backend]);
      return rows.length === 0 ? true : undefined;
    }, "the killed migrate's backend to end");

    expect(await schemaOf(db.pool)).toEqual(before);
    expect((await db.pool.query('SELECT * FROM schema_migrations')).rows).toEqual([]);
    // Nothing is left locked: the next `migrate` applies everything at once.
    const again = await runCli(['migrate', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ backend: 'postgres', from: 0, to: migrations.length });
    const versions = await db.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY 1');
    expect(versions.rows.map((r) => r.version)).toEqual(migrations.map((_, i) => i + 1));
    expect((await schemaOf(db.pool)).some((line) => line.startsWith('outbox.'))).toBe(true);
  });
});
