import type Database from 'better-sqlite3';
import type { RetentionBatch, RetentionRepo, RetentionStep, RetentionTarget } from '../types/index.js';
import {
  blankBatchSql,
  deleteBatchSql,
  dialects,
  messageContent,
  retentionTables,
  selectBatchSql,
} from '../retention-tables.js';

/**
 * One batch as one `BEGIN IMMEDIATE` transaction: the batch's rows are selected, then `writes`
 * run on their ids. A batch of 500 holds SQLite's one writer for a few milliseconds; sends wait
 * for it no longer than for a group commit (`jobs/retention.ts` pauses between batches).
 */
function batchWrite(db: Database.Database, select: string, writes: string[]) {
  const selectRows = db.prepare<RetentionBatch, { id: string | number; age: number }>(select);
  const statements = writes.map((text) => db.prepare<[string]>(text));
  return db.transaction((batch: RetentionBatch): RetentionStep => {
    const rows = selectRows.all(batch);
    if (rows.length > 0) {
      const ids = JSON.stringify(rows.map((r) => r.id));
      for (const statement of statements) statement.run(ids);
    }
    return { rows: rows.length, reached: rows.at(-1)?.age ?? null, busy: false };
  });
}

/** Retention on SQLite: the statements of `retention-tables.ts`, prepared once. */
export function createRetentionRepo(db: Database.Database): RetentionRepo {
  const d = dialects.sqlite;
  const { messages } = retentionTables;
  const blank = batchWrite(db, selectBatchSql(messages, d, messageContent.held), [blankBatchSql(d)]);
  const targets = Object.keys(retentionTables) as RetentionTarget[];
  const deletes = new Map(
    targets.map((target) => {
      const table = retentionTables[target];
      return [target, batchWrite(db, selectBatchSql(table, d), deleteBatchSql(table, d))] as const;
    }),
  );
  return {
    async blankMessageBodies(batch) {
      return blank.immediate(batch);
    },
    async deleteOld(target, batch) {
      return deletes.get(target)!.immediate(batch);
    },
  };
}
