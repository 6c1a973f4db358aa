import {
  analyticsRangeQuerySchema,
  type AnalyticsConnectorsResponse,
  type AnalyticsUsageResponse,
  type AnalyticsVerifyResponse,
} from '@messagejs/shared-types';
import type { UsageRow } from '../../store/types.js';
import { DAY_MS, HOUR_MS, latencyBucketsMs } from '../../store/analytics-schema.js';
import { day, euros, histogramQuantile, iso, parse, resolveRange, type AnalyticsDeps } from './analytics.js';

const rateOf = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/**
 * `GET /v1/analytics/connectors`: per connector over the range — attempts, success rate, retries,
 * provider latency p50/p95 — and its circuit breaker in this process now.
 */
export async function connectorAnalytics(
  deps: AnalyticsDeps,
  projectId: string,
  query: Record<string, string>,
): Promise<AnalyticsConnectorsResponse> {
  const range = resolveRange(deps, projectId, parse(analyticsRangeQuerySchema, query), HOUR_MS);
  const rows = await deps.store.analytics.connectorStats(range);
  // A connector this worker has not called since it started has a closed breaker.
  const open = deps.circuits
    ? new Set(
        deps
          .circuits()
          .filter((c) => c.open)
          .map((c) => c.connectorId),
      )
    : null;
  return {
    projectId: range.projectId,
    from: iso(range.from),
    to: iso(range.to),
    connectors: rows.map((r) => ({
      connectorId: r.connectorId,
      type: r.connectorType,
      channel: r.channel,
      attempts: r.attempts,
      successes: r.successes,
      failures: r.attempts - r.successes,
      successRate: rateOf(r.successes, r.attempts),
      retries: r.retries,
      latencyMs:
        r.timed === 0
          ? null
          : {
              p50: histogramQuantile(r.latency, latencyBucketsMs, 0.5)!,
              p95: histogramQuantile(r.latency, latencyBucketsMs, 0.95)!,
            },
      circuit: open ? (open.has(r.connectorId) ? 'open' : 'closed') : null,
    })),
  };
}

/** `GET /v1/analytics/verify`: verifications started, codes sent, checks and conversion per country. */
export async function verifyAnalytics(
  deps: AnalyticsDeps,
  projectId: string,
  query: Record<string, string>,
): Promise<AnalyticsVerifyResponse> {
  const range = resolveRange(deps, projectId, parse(analyticsRangeQuerySchema, query), DAY_MS);
  const rows = await deps.store.analytics.verifyStats(range);
  const totals = { sessions: 0, sends: 0, checks: 0, verified: 0 };
  for (const r of rows) {
    totals.sessions += r.sessions;
    totals.sends += r.sends;
    totals.checks += r.checks;
    totals.verified += r.verified;
  }
  return {
    projectId: range.projectId,
    from: iso(range.from),
    to: iso(range.to),
    totals: { ...totals, conversionRate: rateOf(totals.verified, totals.sessions) },
    countries: rows.map((r) => ({
      country: r.country === '' ? null : r.country,
      sessions: r.sessions,
      sends: r.sends,
      checks: r.checks,
      verified: r.verified,
      conversionRate: rateOf(r.verified, r.sessions),
    })),
  };
}

type Usage = { messages: number; segments: number; eur: number; mad: number };
const addUsage = (u: Usage, r: UsageRow) => {
  u.messages += r.messages;
  u.segments += r.segments;
  u.eur += r.costEurMicros;
  u.mad += r.costMadMicros;
};
const usageFigures = (u: Usage) => ({
  messages: u.messages,
  segments: u.segments,
  cost: { eur: euros(u.eur), mad: euros(u.mad) },
});
const emptyUsage = (): Usage => ({ messages: 0, segments: 0, eur: 0, mad: 0 });

/** `GET /v1/analytics/usage`: messages accepted, segments and cost per UTC day, for the project and per key. */
export async function usageAnalytics(
  deps: AnalyticsDeps,
  projectId: string,
  query: Record<string, string>,
): Promise<AnalyticsUsageResponse> {
  const range = resolveRange(deps, projectId, parse(analyticsRangeQuerySchema, query), DAY_MS);
  const rows = await deps.store.analytics.usage(range);
  const totals = emptyUsage();
  const days = new Map<number, { all: Usage; keys: Map<string, Usage> }>();
  for (const r of rows) {
    addUsage(totals, r);
    let d = days.get(r.day);
    if (!d) days.set(r.day, (d = { all: emptyUsage(), keys: new Map() }));
    addUsage(d.all, r);
    let k = d.keys.get(r.keyId);
    if (!k) d.keys.set(r.keyId, (k = emptyUsage()));
    addUsage(k, r);
  }
  return {
    projectId: range.projectId,
    from: iso(range.from),
    to: iso(range.to),
    totals: usageFigures(totals),
    days: [...days].map(([at, d]) => ({
      day: day(at),
      ...usageFigures(d.all),
      keys: [...d.keys].map(([keyId, u]) => ({ keyId, ...usageFigures(u) })),
    })),
  };
}
