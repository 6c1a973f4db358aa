import type Database from 'better-sqlite3';
import type { AnalyticsRepo } from '../types/index.js';
import { analyticsQueries, statsRows, type StatsQuery } from '../analytics-queries.js';
import { createRollupFold } from './rollup-fold.js';

/**
 * The analytics rollups on SQLite: the shared statements, prepared once per distinct text. Each
 * read first folds in the messages and attempts written since the last fold (migration 019).
 */
export function createAnalyticsRepo(db: Database.Database): AnalyticsRepo {
  const queries = analyticsQueries('sqlite');
  const fold = createRollupFold(db);
  const prepared = new Map<string, Database.Statement>();
  const all = async ({ text, values }: StatsQuery) => {
    await fold.all();
    let statement = prepared.get(text);
    if (!statement) prepared.set(text, (statement = db.prepare(text)));
    return statement.all(...values) as Array<Record<string, unknown>>;
  };
  return {
    messageStats: async (range, groupBy) => statsRows.messageStats(await all(queries.messageStats(range, groupBy))),
    deliveryTimes: async (range, groupBy) => statsRows.deliveryTimes(await all(queries.deliveryTimes(range, groupBy))),
    failureCodes: async (range, limit) => statsRows.failureCodes(await all(queries.failureCodes(range, limit))),
    connectorStats: async (range) => statsRows.connectorStats(await all(queries.connectorStats(range))),
    verifyStats: async (range) => statsRows.verifyStats(await all(queries.verifyStats(range))),
    usage: async (range) => statsRows.usage(await all(queries.usage(range))),
    settle: (before) => fold.all(before),
  };
}
