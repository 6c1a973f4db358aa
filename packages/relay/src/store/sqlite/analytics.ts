import type Database from 'better-sqlite3';
import type { AnalyticsRepo } from '../types/index.js';
import { analyticsQueries, statsRows, type StatsQuery } from '../analytics-queries.js';

/** The analytics rollups on SQLite: the shared statements, prepared once per distinct text. */
export function createAnalyticsRepo(db: Database.Database): AnalyticsRepo {
  const queries = analyticsQueries('sqlite');
  const prepared = new Map<string, Database.Statement>();
  const all = ({ text, values }: StatsQuery) => {
    let statement = prepared.get(text);
    if (!statement) prepared.set(text, (statement = db.prepare(text)));
    return statement.all(...values) as Array<Record<string, unknown>>;
  };
  return {
    messageStats: async (range, groupBy) => statsRows.messageStats(all(queries.messageStats(range, groupBy))),
    deliveryTimes: async (range, groupBy) => statsRows.deliveryTimes(all(queries.deliveryTimes(range, groupBy))),
    failureCodes: async (range, limit) => statsRows.failureCodes(all(queries.failureCodes(range, limit))),
    connectorStats: async (range) => statsRows.connectorStats(all(queries.connectorStats(range))),
    verifyStats: async (range) => statsRows.verifyStats(all(queries.verifyStats(range))),
    usage: async (range) => statsRows.usage(all(queries.usage(range))),
  };
}
