import pg from 'pg';
import type { Logger } from 'pino';
import { migrations } from './migrations/index.js';
import { pgTypes } from './pg-db.js';

/**
 * PLACEHOLDER (copy-deploy's `migratePostgres`, the processes branch's `openPostgres`): pg-core
 * writes the real `database.ts` (pool settings, migrations under an advisory lock, each in its
 * own transaction). The integrator takes pg-core's file; this one lets `copy` and `migrate` run
 * until then.
 */

/** What `openPostgres` takes (the names of pg-core's file). */
export interface PostgresOptions {
  /** Connections at most. @default 10 */
  max?: number;
  /** How long a query waits for a connection before it fails. @default 3000 */
  connectionTimeoutMillis?: number;
  /** How long an unused connection stays open. @default 30000 */
  idleTimeoutMillis?: number;
  /** @default 'messagejs-relay' */
  applicationName?: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** A pool on `url` that fails fast when the server is down, with an `error` listener (an idle connection dropped by the server must not crash the process). */
export function openPostgres(url: string, options: PostgresOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    types: pgTypes,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 3000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    application_name: options.applicationName ?? 'messagejs-relay',
  });
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'PostgreSQL: an idle connection failed'));
  return pool;
}

/**
 * Applies the pending PostgreSQL migrations in one transaction, tracked in `schema_migrations`;
 * resolves with the schema version before and after.
 */
export async function migratePostgres(
  pool: pg.Pool,
  _logger?: Pick<Logger, 'info' | 'warn'>,
): Promise<{ from: number; to: number }> {
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
