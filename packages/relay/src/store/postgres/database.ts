import type pg from 'pg';
import { migrations } from './migrations/index.js';

/**
 * PLACEHOLDER on the copy-deploy branch: pg-core writes the real `database.ts` (pool settings,
 * migrations under an advisory lock, each in its own transaction). The integrator takes pg-core's
 * file; this one only lets `copy` run until then.
 *
 * Applies the pending PostgreSQL migrations in one transaction, tracked in `schema_migrations`;
 * resolves with the schema version before and after.
 */
export async function migratePostgres(pool: pg.Pool): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query<{ version: string | number }>(
      'SELECT COALESCE(max(version), 0) AS version FROM schema_migrations',
    );
    const from = Number(rows[0]!.version);
    if (from > migrations.length) {
      throw new Error(
        `The database is at schema version ${from}, newer than this relay (${migrations.length}). Upgrade the relay.`,
      );
    }
    for (let version = from + 1; version <= migrations.length; version++) {
      await client.query(migrations[version - 1]!);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
    }
    await client.query('COMMIT');
    return { from, to: migrations.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
