import type Database from 'better-sqlite3';
import { foldAttempts, foldMessages } from './migrations/019-rollup-fold.js';

/** Rows (by rowid span) counted per transaction: a fold never holds the writer for long. */
export const FOLD_CHUNK_ROWS = 5_000;

/**
 * The fold of SQLite's analytics rollups (migration 019): counts the messages and attempts
 * written since the last fold, each as it is now, and moves the marks up. Every read of the
 * rollups folds first; the worker folds every couple of seconds so the rows waiting stay few.
 */
export function createRollupFold(db: Database.Database) {
  const markOf = db.prepare<[string], number>('SELECT mark FROM rollup_marks WHERE source = ?').pluck();
  const setMark = db.prepare<[number, string]>('UPDATE rollup_marks SET mark = ? WHERE source = ?');
  const lastMessage = db.prepare<[], number | null>('SELECT max(rowid) FROM messages').pluck();
  const lastAttempt = db.prepare<[], number | null>('SELECT max(id) FROM message_attempts').pluck();
  const messages = foldMessages('m.rowid > ? AND m.rowid <= ?').map((sql) => db.prepare<[number, number]>(sql));
  const attempts = db.prepare<[number, number]>(foldAttempts('a.id > ? AND a.id <= ?'));

  /** Counts the next rows of `source` (at most `limit` rowids on); true when some are left after them. */
  const advance = (
    source: string,
    last: number | null,
    statements: ReadonlyArray<Database.Statement<[number, number]>>,
    limit: number,
  ): boolean => {
    const from = markOf.get(source) ?? 0;
    const to = Math.min(last ?? 0, from + limit);
    if (to <= from) return false;
    for (const statement of statements) statement.run(from, to);
    setMark.run(to, source);
    return to < (last ?? 0);
  };
  const step = db.transaction((limit: number) => {
    const moreMessages = advance('messages', lastMessage.get() ?? null, messages, limit);
    const moreAttempts = advance('message_attempts', lastAttempt.get() ?? null, [attempts], limit);
    return moreMessages || moreAttempts;
  });

  return {
    /** One transaction of at most `limit` rows of each table; true when more are waiting. */
    step: (limit = FOLD_CHUNK_ROWS): boolean => step.immediate(limit),
    /** Everything waiting, a transaction per chunk, giving the event loop a turn between them. */
    async all(limit = FOLD_CHUNK_ROWS): Promise<void> {
      while (step.immediate(limit)) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
