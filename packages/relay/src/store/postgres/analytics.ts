import type { AnalyticsRepo } from '../types/index.js';
import { analyticsQueries, statsRows, type StatsQuery } from '../analytics-queries.js';
import type { Queryable } from './queryable.js';

/** The analytics rollups on PostgreSQL: the shared statements, the shards summed by their GROUP BY. */
export function createAnalyticsRepo(db: Queryable): AnalyticsRepo {
  const queries = analyticsQueries('postgres');
  const all = async ({ text, values }: StatsQuery) => (await db.query(text, values)).rows;
  return {
    messageStats: async (range, groupBy) => statsRows.messageStats(await all(queries.messageStats(range, groupBy))),
    deliveryTimes: async (range, groupBy) => statsRows.deliveryTimes(await all(queries.deliveryTimes(range, groupBy))),
    failureCodes: async (range, limit) => statsRows.failureCodes(await all(queries.failureCodes(range, limit))),
    connectorStats: async (range) => statsRows.connectorStats(await all(queries.connectorStats(range))),
    verifyStats: async (range) => statsRows.verifyStats(await all(queries.verifyStats(range))),
    usage: async (range) => statsRows.usage(await all(queries.usage(range))),
    // The statement triggers count in the writing transaction (005).
    settle: async () => {},
  };
}
