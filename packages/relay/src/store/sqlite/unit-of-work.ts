import type Database from 'better-sqlite3';
import type { Repositories, UnitOfWork } from '../types/index.js';

/**
 * `store.transaction` on SQLite: `BEGIN IMMEDIATE` on the store's one connection, `work` against
 * repositories that write at once (no group commit), then `COMMIT` — or `ROLLBACK` when it throws.
 *
 * better-sqlite3 answers synchronously, so a unit that awaits only its repositories ends within the
 * turn of the event loop it started in, before any timer or I/O callback (a group commit's flush,
 * another request) issues statements on the connection. A unit still open when the loop turns
 * awaited something else, a bug: it is rolled back then, so it holds no one else's writes, and it
 * fails. Units started while one is open wait for it to end.
 */
export function createUnitOfWork(db: Database.Database, repositories: () => Repositories): UnitOfWork {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  // Resolves when the open unit ends (committed, rolled back, or expired): what a next unit waits for.
  let closed: Promise<void> | null = null;

  const run = async <T>(work: (tx: Repositories) => Promise<T>, close: () => void): Promise<T> => {
    let expired = false;
    let begun = false;
    const turn = setImmediate(() => {
      expired = true;
      if (begun && db.inTransaction) rollback.run();
      close();
    });
    try {
      begin.run();
      begun = true;
      const value = await work(repositories());
      if (expired) {
        throw new Error(
          'store.transaction: the unit awaited something other than its repositories, and was rolled back',
        );
      }
      commit.run();
      return value;
    } catch (error) {
      if (begun && !expired && db.inTransaction) rollback.run();
      throw error;
    } finally {
      clearImmediate(turn);
      close();
    }
  };

  return async function transaction(work) {
    while (closed) await closed;
    let close!: () => void;
    const mine = new Promise<void>((resolve) => {
      close = () => {
        if (closed === mine) closed = null;
        resolve();
      };
    });
    closed = mine;
    return run(work, close);
  };
}
