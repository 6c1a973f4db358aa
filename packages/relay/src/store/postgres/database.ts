import pg from 'pg';
import type { Logger } from 'pino';
import { migrations } from './migrations/index.js';
import { checkOut, pgTypes } from './pg-db.js';

/** What the PostgreSQL store logs: pool errors, migrations, the LISTEN connection's drops. */
export type StoreLogger = Pick<Logger, 'info' | 'warn'>;

/** How the relay's pool connects. */
export interface PostgresOptions {
  /**
   * Connections the pool opens at most.
   * @default 10
   */
  max?: number;
  /**
   * How long a query waits for a connection (a new one, or a free one of a busy pool) before it
   * fails: a server that is down answers an error in this time instead of hanging the request.
   * @default 3000
   */
  connectionTimeoutMillis?: number;
  /**
   * How long an unused connection stays open.
   * @default 30000
   */
  idleTimeoutMillis?: number;
  /**
   * How long the server lets one statement run (`statement_timeout`, lock waits included) and a
   * transaction stay idle (`idle_in_transaction_session_timeout`) before it cancels it; 0 for no
   * limit. A slow query then fails (SQLSTATE 57014) instead of holding a request and a connection.
   * Migrations lift both on their connection (`applyMigrations`).
   * @default 0
   */
  statementTimeoutMs?: number;
  /**
   * What the server shows in `pg_stat_activity.application_name`.
   * @default 'messagejs-relay'
   */
  applicationName?: string;
  logger?: StoreLogger;
}

/**
 * The relay's pool on `url`: BIGINT and NUMERIC read back as numbers (`pgTypes`), connections that
 * fail fast when the server is down, and an `error` listener, because an idle connection the
 * server drops (a restart, `pg_terminate_backend`) emits `error` on the pool, which would
 * otherwise crash the process. The pool replaces such a connection on the next query.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    types: pgTypes,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 3000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    // Sent in each connection's startup packet: the sessions' defaults, which `RESET` returns to.
    ...(options.statementTimeoutMs && {
      statement_timeout: options.statementTimeoutMs,
      idle_in_transaction_session_timeout: options.statementTimeoutMs,
    }),
    application_name: options.applicationName ?? 'messagejs-relay',
    // Notices a dead peer (a server that vanished without closing the connection) in minutes, not hours.
    keepAlive: true,
  });
  pool.on('error', (error) => {
    options.logger?.warn({ err: error }, 'PostgreSQL: an idle connection failed; the pool replaces it');
  });
  return pool;
}

/**
 * The key of the session-level advisory lock migrations run under ('MJSmigrt' in ASCII): two relays
 * starting together apply each migration once, the second waiting for the first.
 */
const MIGRATION_LOCK = '5569355618581967476';

/** Applies pending migrations (see `applyMigrations`); `from` and `to` are schema versions. */
export function migratePostgres(pool: pg.Pool, logger?: StoreLogger): Promise<{ from: number; to: number }> {
  return applyMigrations(pool, migrations, logger);
}

/**
 * Applies the pending ones of `list` (version N is `list[N - 1]`), tracked in `schema_migrations`.
 *
 * Everything runs under an advisory lock on one connection, so concurrent callers apply each
 * migration once: the second waits, then finds nothing to do. Each migration commits in its own
 * transaction together with its version row; PostgreSQL DDL is transactional, so a migration that
 * fails or is interrupted midway (an error, a killed connection) leaves the schema as it was, and
 * the next start applies it again from the beginning. A database at a version newer than `list`
 * (a newer relay migrated it) is refused.
 */
export async function applyMigrations(
  pool: pg.Pool,
  list: readonly string[],
  logger?: StoreLogger,
): Promise<{ from: number; to: number }> {
  const client = await checkOut(pool);
  let broken: Error | undefined;
  try {
    // No timeout here: waiting for another relay's migrations, or one long migration, may take
    // longer than any request should (RESET below gives the connection back with the pool's).
    await client.query('SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0');
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const { rows } = await client.query<{ version: number | null }>(
        'SELECT max(version) AS version FROM schema_migrations',
      );
      const from = rows[0]?.version ?? 0;
      if (from > list.length) {
        throw new Error(
          `The database is at schema version ${from}, newer than this relay (${list.length}). Upgrade the relay.`,
        );
      }
      for (let version = from + 1; version <= list.length; version++) {
        await applyOne(client, version, list[version - 1]!);
      }
      if (list.length > from) logger?.info({ from, to: list.length }, 'PostgreSQL schema migrated');
      return { from, to: list.length };
    } finally {
      await client
        .query(
          `SELECT pg_advisory_unlock(${MIGRATION_LOCK}); RESET statement_timeout; RESET idle_in_transaction_session_timeout`,
        )
        .catch((error: Error) => {
          broken = error;
        });
    }
  } catch (error) {
    broken ??= error as Error;
    throw error;
  } finally {
    // A connection that failed is closed, not reused (closing it also frees the session's lock).
    client.release(broken ?? client.lost);
  }
}

async function applyOne(client: pg.PoolClient, version: number, sql: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(sql);
    await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw new Error(`PostgreSQL migration ${version} failed and was rolled back: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
