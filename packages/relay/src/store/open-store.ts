import type { Logger } from 'pino';
import type { Store } from './types/index.js';
import { createSqliteStore } from './sqlite/index.js';
import { migrateSqlite } from './sqlite/database.js';

/** Where the relay keeps its data: the SQLite file in the data directory, or a PostgreSQL database. */
export type StoreBackend = 'sqlite' | 'postgres';

/** What choosing and opening a store reads from the relay's config (`config.ts`). */
export interface StoreConfig {
  /** The data directory: the SQLite database's home. */
  dataDir: string;
  /** A PostgreSQL URL, or null for SQLite. */
  databaseUrl: string | null;
  /** Connections to PostgreSQL at most. */
  databasePoolMax: number;
  /** PostgreSQL's `statement_timeout` (and idle-in-transaction timeout) in ms; 0 or absent for none. */
  databaseStatementTimeoutMs?: number;
}

/** The backend the config names: PostgreSQL when `MESSAGEJS_DATABASE_URL` is set, else SQLite. */
export function backendOf(config: StoreConfig): StoreBackend {
  return config.databaseUrl ? 'postgres' : 'sqlite';
}

/**
 * A database URL fit for logs and messages: the password replaced by `***` (it may be in the
 * URL's user info or its `password` parameter).
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return '(an unparseable URL)';
  }
}

/** Says which database could not be opened, without its password, keeping the driver's reason. */
function openFailed(url: string, error: unknown): Error {
  const reason = (error as Error)?.message ?? String(error);
  return new Error(`Could not open the PostgreSQL database ${redactDatabaseUrl(url)}: ${reason}`, { cause: error });
}

/**
 * Opens the configured store: the SQLite database in `dataDir` (migrated on open), or — with
 * `databaseUrl` — PostgreSQL, migrated on open under an advisory lock (so relays starting
 * together do not race) and wrapped so that an unreachable database answers `503
 * store_unavailable` instead of a 500 (`postgres/errors.ts`). The PostgreSQL modules (and `pg`)
 * load only when they are used.
 */
export async function openStore(config: StoreConfig, logger: Logger): Promise<Store> {
  const url = config.databaseUrl;
  if (!url) return createSqliteStore(config.dataDir);
  const [{ createPostgresStore }, { withUnavailableErrors }] = await Promise.all([
    import('./postgres/index.js'),
    import('./postgres/errors.js'),
  ]);
  let store: Store;
  try {
    store = await createPostgresStore(url, {
      poolMax: config.databasePoolMax,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      logger,
    });
  } catch (error) {
    throw openFailed(url, error);
  }
  logger.info({ database: redactDatabaseUrl(url), poolMax: config.databasePoolMax }, 'using PostgreSQL');
  return withUnavailableErrors(store, { logger });
}

/** What `migrateStore` did. */
export interface MigrationReport {
  backend: StoreBackend;
  /** The database, as it may be shown (a PostgreSQL URL without its password). */
  database: string;
  /** Schema version before. */
  from: number;
  /** Schema version after (equal to `from` when nothing was pending). */
  to: number;
}

/** Applies the configured backend's pending migrations (`messagejs-relay migrate`) and says from which version to which. */
export async function migrateStore(config: StoreConfig, logger: Logger): Promise<MigrationReport> {
  const url = config.databaseUrl;
  if (!url) {
    const { from, to } = migrateSqlite(config.dataDir);
    return { backend: 'sqlite', database: config.dataDir, from, to };
  }
  const { openPostgres, migratePostgres } = await import('./postgres/database.js');
  let pool: Awaited<ReturnType<typeof openPostgres>>;
  try {
    pool = openPostgres(url, { max: config.databasePoolMax, logger });
  } catch (error) {
    throw openFailed(url, error);
  }
  try {
    const { from, to } = await migratePostgres(pool, logger);
    return { backend: 'postgres', database: redactDatabaseUrl(url), from, to };
  } catch (error) {
    const reason = (error as Error)?.message ?? String(error);
    throw new Error(`Migrating the PostgreSQL database ${redactDatabaseUrl(url)} failed: ${reason}`, { cause: error });
  } finally {
    await pool.end();
  }
}
