import type pg from 'pg';
import type { Logger } from 'pino';

// PLACEHOLDER on the `processes` branch: pg-core writes the real `database.ts` (pool settings,
// versioned migrations under an advisory lock). The integrator takes pg-core's file on merge.

/** What `openPostgres` takes (placeholder: the same names as pg-core's file). */
export interface PostgresOptions {
  /** Connections at most. @default 10 */
  max?: number;
  connectionTimeoutMillis?: number;
  idleTimeoutMillis?: number;
  applicationName?: string;
  logger?: Logger;
}

/** Opens a `pg.Pool` on `url` (placeholder: throws until pg-core's file lands). */
export function openPostgres(_url: string, _options: PostgresOptions = {}): pg.Pool {
  throw new Error('openPostgres: not on this branch yet (pg-core writes it)');
}

/** Applies pending migrations under an advisory lock (placeholder: throws until pg-core's file lands). */
export async function migratePostgres(_pool: pg.Pool, _logger?: Logger): Promise<{ from: number; to: number }> {
  throw new Error('migratePostgres: not on this branch yet (pg-core writes it)');
}
