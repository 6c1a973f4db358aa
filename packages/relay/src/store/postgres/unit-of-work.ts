import type pg from 'pg';
import type { Repositories, UnitOfWork } from '../types/index.js';
import { clientDb, poolDb } from './pg-db.js';
import type { PgDb } from './queryable.js';

/**
 * `store.transaction` on PostgreSQL: checks one client out of the pool, `BEGIN`, runs `work`
 * against every repository built on that client, then `COMMIT` — or `ROLLBACK` when it throws
 * (the error is rethrown). The client goes back to the pool either way (closed if even the
 * rollback failed).
 *
 * Units run concurrently, each on its own client, at READ COMMITTED: a unit sees its own writes
 * and what others committed before each of its statements, and waits only on rows another unit
 * is writing. It holds its client for as long as it runs, so it awaits nothing but its
 * repositories (the contract in `types/index.ts`).
 */
export function createUnitOfWork(pool: pg.Pool, repositories: (db: PgDb) => Repositories): UnitOfWork {
  const db = poolDb(pool);
  return function transaction(work) {
    return db.tx((client) => work(repositories(clientDb(client))));
  };
}
