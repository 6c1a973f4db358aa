import type { StatsGroup, StatsRange } from './types/analytics.js';
import { DAY_MS, latencyColumns } from './analytics-schema.js';

/** A statement for either backend: `?` placeholders on SQLite, `$n` on PostgreSQL. */
export interface StatsQuery {
  text: string;
  values: unknown[];
}

/** Whether `groupBy` is answered from the hourly rollups (hour-aligned) or the daily ones. */
export const hourlyGroups: ReadonlySet<StatsGroup> = new Set(['hour', 'day', 'channel', 'status']);

/** The group expression of each `groupBy` over the hourly or the daily rollups. */
const groupColumn: Readonly<Record<StatsGroup, string>> = {
  hour: 'hour',
  day: `hour - hour % ${DAY_MS}`,
  channel: 'channel',
  status: 'status',
  country: 'country',
  operator: 'operator',
  connector: 'connector_id',
  template: 'template',
};

function placeholders(dialect: 'sqlite' | 'postgres') {
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return dialect === 'sqlite' ? '?' : `$${values.length}`;
  };
  return { values, param };
}

/** `WHERE` over one project's rows whose `column` (hour or day) lies in the range. */
function inRange(range: StatsRange, column: string, param: (value: unknown) => string): string {
  return `project_id = ${param(range.projectId)} AND ${column} >= ${param(range.from)} AND ${column} < ${param(range.to)}`;
}

/** Every statement the analytics routes run, the same text on both backends but for placeholders. */
export function analyticsQueries(dialect: 'sqlite' | 'postgres') {
  const statement = (build: (param: (value: unknown) => string) => string): StatsQuery => {
    const { values, param } = placeholders(dialect);
    return { text: build(param), values };
  };
  return {
    messageStats: (range: StatsRange, groupBy: StatsGroup) =>
      statement((param) => {
        const [table, time] = hourlyGroups.has(groupBy)
          ? ['message_stats_hourly', 'hour']
          : ['message_stats_daily', 'day'];
        return `SELECT ${groupColumn[groupBy]} AS grp, status, sum(messages) AS messages, sum(segments) AS segments,
            sum(cost_eur_micros) AS eur, sum(cost_mad_micros) AS mad
          FROM ${table} WHERE ${inRange(range, time, param)}
          GROUP BY 1, 2 HAVING sum(messages) <> 0 ORDER BY 1, 2`;
      }),
    deliveryTimes: (range: StatsRange, groupBy: StatsGroup) =>
      statement((param) => {
        const [table, time] = hourlyGroups.has(groupBy)
          ? ['delivery_times_hourly', 'hour']
          : ['delivery_times_daily', 'day'];
        // Every delivered message of a status group was delivered: one group, named after nothing.
        const group = groupBy === 'status' ? "''" : groupColumn[groupBy];
        return `SELECT ${group} AS grp, bucket, sum(messages) AS messages FROM ${table}
          WHERE ${inRange(range, time, param)} GROUP BY 1, 2 ORDER BY 1, 2`;
      }),
    failureCodes: (range: StatsRange, limit: number) =>
      statement(
        (param) => `SELECT error_code AS code, sum(messages) AS messages FROM message_stats_daily
          WHERE ${inRange(range, 'day', param)} AND status IN ('failed', 'undelivered') AND error_code <> ''
          GROUP BY 1 HAVING sum(messages) > 0 ORDER BY 2 DESC, 1 LIMIT ${param(limit)}`,
      ),
    connectorStats: (range: StatsRange) =>
      statement(
        (
          param,
        ) => `SELECT connector_id, connector_type, channel, sum(attempts) AS attempts, sum(successes) AS successes,
            sum(retries) AS retries, sum(timed) AS timed, ${latencyColumns.map((c) => `sum(${c}) AS ${c}`).join(', ')}
          FROM connector_stats_hourly WHERE ${inRange(range, 'hour', param)}
          GROUP BY 1, 2, 3 ORDER BY 1, 3`,
      ),
    verifyStats: (range: StatsRange) =>
      statement(
        (param) => `SELECT country, sum(sessions) AS sessions, sum(sends) AS sends, sum(checks) AS checks,
            sum(verified) AS verified
          FROM verify_stats_daily WHERE ${inRange(range, 'day', param)} GROUP BY 1 ORDER BY 1`,
      ),
    usage: (range: StatsRange) =>
      statement(
        (param) => `SELECT hour - hour % ${DAY_MS} AS day, key_id, channel, sum(messages) AS messages,
            sum(segments) AS segments, sum(cost_eur_micros) AS eur, sum(cost_mad_micros) AS mad
          FROM message_stats_hourly WHERE ${inRange(range, 'hour', param)}
          GROUP BY 1, 2, 3 HAVING sum(messages) <> 0 ORDER BY 1, 2, 3`,
      ),
  };
}

type Row = Record<string, unknown>;
const n = (value: unknown) => Number(value ?? 0);

/** The rows of each statement as the repository answers them (both backends read numbers). */
export const statsRows = {
  messageStats: (rows: Row[]) =>
    rows.map((r) => ({
      group: r.grp as string | number,
      status: r.status as never,
      messages: n(r.messages),
      segments: n(r.segments),
      costEurMicros: n(r.eur),
      costMadMicros: n(r.mad),
    })),
  deliveryTimes: (rows: Row[]) =>
    rows.map((r) => ({ group: r.grp as string | number, bucket: n(r.bucket), messages: n(r.messages) })),
  failureCodes: (rows: Row[]) => rows.map((r) => ({ code: r.code as string, messages: n(r.messages) })),
  connectorStats: (rows: Row[]) =>
    rows.map((r) => ({
      connectorId: r.connector_id as string,
      connectorType: r.connector_type as string,
      channel: r.channel as string,
      attempts: n(r.attempts),
      successes: n(r.successes),
      retries: n(r.retries),
      timed: n(r.timed),
      latency: latencyColumns.map((c) => n(r[c])),
    })),
  verifyStats: (rows: Row[]) =>
    rows.map((r) => ({
      country: r.country as string,
      sessions: n(r.sessions),
      sends: n(r.sends),
      checks: n(r.checks),
      verified: n(r.verified),
    })),
  usage: (rows: Row[]) =>
    rows.map((r) => ({
      day: n(r.day),
      keyId: r.key_id as string,
      channel: r.channel as string,
      messages: n(r.messages),
      segments: n(r.segments),
      costEurMicros: n(r.eur),
      costMadMicros: n(r.mad),
    })),
};
