import type { RetentionBatch, RetentionRepo, RetentionStep, RetentionTarget } from '../types/index.js';
import {
  blankBatchSql,
  deleteBatchSql,
  dialects,
  messageContent,
  retentionTables,
  selectBatchSql,
} from '../retention-tables.js';
import { tryAdvisoryLock } from './advisory-lock.js';
import type { PgDb } from './queryable.js';

/**
 * One batch as one transaction: the batch's rows are selected and locked, skipping any another
 * transaction holds (a status callback, another relay's batch), then `writes` run on their ids.
 * Relays take turns: a batch that finds another relay's batch running does nothing and says
 * `busy`, and its relay leaves the work to that one until its next run.
 */
function batchWrite(db: PgDb, select: string, writes: string[]) {
  return (batch: RetentionBatch): Promise<RetentionStep> =>
    db.tx(async (q) => {
      if (!(await tryAdvisoryLock(q, 'retention'))) return { rows: 0, reached: null, busy: true };
      const { rows } = await q.query<{ id: string | number; age: number }>(select, [
        batch.from,
        batch.before,
        batch.limit,
      ]);
      if (rows.length > 0) {
        const ids = rows.map((r) => r.id);
        for (const text of writes) await q.query(text, [ids]);
      }
      return { rows: rows.length, reached: rows.at(-1)?.age ?? null, busy: false };
    });
}

/** Retention on PostgreSQL: the statements of `retention-tables.ts`, the behaviour of ../sqlite/retention.ts. */
export function createRetentionRepo(db: PgDb): RetentionRepo {
  const d = dialects.postgres;
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
    blankMessageBodies: blank,
    deleteOld: (target, batch) => deletes.get(target)!(batch),
  };
}
