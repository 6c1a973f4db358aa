/**
 * The analytics rollups (issue 14): counters kept by triggers in the transactions that change
 * messages, so `GET /v1/analytics/*` sums a few thousand rows instead of scanning messages. The
 * same tables on both backends; SQLite keeps them with row triggers, PostgreSQL with statement
 * triggers over transition tables (one upsert per distinct key per statement, however many
 * messages a batch writes).
 *
 * Each message is counted once, under its current state: an update takes it out of the rows of its
 * old state and adds it to those of the new one. Deleting a message (retention) leaves its counts.
 * Costs are summed in millionths (integers), so the additions and subtractions stay exact.
 *
 * The bucket bounds below are part of the stored data: the migrations that create the triggers
 * (SQLite 015, PostgreSQL 005) wrote them into the schema, and changing one here would misread
 * every count stored. Add a migration (and new columns) instead.
 */

/** Upper bounds (ms, exclusive) of the time-to-delivered buckets; bucket i < bound i, the last one unbounded. */
export const deliveryBucketsMs: readonly number[] = Object.freeze([
  1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 21_600_000, 86_400_000,
]);

/** Upper bounds (ms, exclusive) of the provider-latency buckets of attempts (columns lat0…lat10). */
export const latencyBucketsMs: readonly number[] = Object.freeze([
  50, 100, 200, 300, 500, 750, 1_000, 2_000, 5_000, 10_000,
]);

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** `CASE` giving the bucket index of `expr` among `bounds` (the last index when past them all). */
export function bucketCase(expr: string, bounds: readonly number[]): string {
  return `CASE ${bounds.map((b, i) => `WHEN ${expr} < ${b} THEN ${i}`).join(' ')} ELSE ${bounds.length} END`;
}

/** The latency histogram's column names (lat0…latN), in bucket order. */
export const latencyColumns: readonly string[] = Object.freeze(
  [...latencyBucketsMs, Infinity].map((_, i) => `lat${i}`),
);

/** The dimensions of a daily message rollup row, in key order (NULLs stored as ''). */
export const dailyDimensions = [
  'channel',
  'status',
  'country',
  'operator',
  'connector_id',
  'template',
  'error_code',
] as const;
