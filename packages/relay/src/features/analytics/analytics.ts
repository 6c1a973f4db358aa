import {
  analyticsMessagesQuerySchema,
  analyticsRangeProblem,
  type AnalyticsMessagesResponse,
} from '@messagejs/shared-types';
import type { z } from 'zod';
import type { MessageStatsRow, StatsGroup, StatsRange, Store } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { requirePermission } from '../../domain/permissions.js';
import { toValidationError } from '../../domain/validation.js';
import { AppError } from '../../domain/app-error.js';
import { DAY_MS, deliveryBucketsMs, HOUR_MS } from '../../store/analytics-schema.js';
import { hourlyGroups } from '../../store/analytics-queries.js';
import { failureMeaning } from './failure-meanings.js';

export interface AnalyticsDeps {
  store: Store;
  now: () => number;
  /** The circuit breakers of this process's worker (absent without a worker here). */
  circuits?: () => ReadonlyArray<{ connectorId: string; open: boolean }>;
}

const DENIED = 'Analytics take a secret key (from a server) or a member’s credential.';
/** Statuses of messages a provider was given or that failed: a delivery rate's denominator. */
const OUTCOMES = ['sent', 'delivered', 'read', 'failed', 'undelivered', 'expired'];

/**
 * The project whose figures `caller` reads (`view_analytics`): a secret key's own, or the one a
 * member or admin token named (the access step chose it; `?projectId=` must agree).
 */
export function analyticsProject(caller: KeyPrincipal, query: Record<string, string>): string {
  requirePermission(caller, 'view_analytics', DENIED);
  const named = query.projectId;
  if (named !== undefined && named !== caller.project.id) {
    throw new AppError('project_not_found', `No project ${named}.`, { field: 'projectId' });
  }
  return caller.project.id;
}

/**
 * The range asked for, aligned outward on the rollups' hours or days (`unit`): `to` defaults to
 * now, `from` to 30 days before `to`. A range past the limits is a 400 on `to` (on `from` when
 * `to` was left out), as the schema answers when both ends are given.
 */
export function resolveRange(
  deps: AnalyticsDeps,
  projectId: string,
  q: { from?: string | undefined; to?: string | undefined },
  unit: number,
  groupBy?: string,
): StatsRange {
  // By default, up to now included: the hour (or day) under way counts.
  const to = q.to === undefined ? deps.now() + 1 : Date.parse(q.to);
  const from = q.from === undefined ? to - 30 * DAY_MS : Date.parse(q.from);
  const problem = analyticsRangeProblem(from, to, groupBy);
  if (problem)
    throw new AppError('validation_failed', `\`${q.to === undefined ? 'from' : 'to'}\`: ${problem}`, {
      field: q.to === undefined ? 'from' : 'to',
    });
  return { projectId, from: Math.floor(from / unit) * unit, to: Math.ceil(to / unit) * unit };
}

/** The query parsed by `schema`, or its first problem as a 400 with the field. */
export function parse<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  return parsed.data;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const day = (ms: number) => iso(ms).slice(0, 10);
export const euros = (micros: number) => Math.round(micros) / 1_000_000;

/**
 * The value below which `share` of a histogram's counts lie, interpolated linearly within its
 * bucket (`bounds` are the buckets' exclusive upper bounds; the last bucket, unbounded, answers
 * its lower bound). Null for an empty histogram.
 */
export function histogramQuantile(counts: readonly number[], bounds: readonly number[], share: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = share * total;
  let seen = 0;
  for (const [i, n] of counts.entries()) {
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      if (i >= bounds.length) return lower;
      return Math.round(lower + ((bounds[i]! - lower) * (rank - seen)) / n);
    }
    seen += n;
  }
  return bounds[bounds.length - 1]!;
}

type Figures = Omit<AnalyticsMessagesResponse['totals'], 'medianTimeToDeliveredMs'> & {
  eurMicros: number;
  madMicros: number;
};
const emptyFigures = (): Figures => ({
  messages: 0,
  statuses: {},
  delivered: 0,
  failed: 0,
  deliveryRate: null,
  segments: 0,
  cost: { eur: 0, mad: 0 },
  eurMicros: 0,
  madMicros: 0,
});

function add(f: Figures, r: MessageStatsRow): void {
  f.messages += r.messages;
  f.statuses[r.status] = (f.statuses[r.status] ?? 0) + r.messages;
  f.segments += r.segments;
  f.eurMicros += r.costEurMicros;
  f.madMicros += r.costMadMicros;
}

/** The figures' derived parts: delivered, failed, the rate, the costs in currency units. */
function finish(f: Figures, delivery: number[] | undefined): AnalyticsMessagesResponse['totals'] {
  const s = f.statuses;
  const delivered = (s.delivered ?? 0) + (s.read ?? 0);
  const handled = OUTCOMES.reduce((sum, status) => sum + (s[status] ?? 0), 0);
  return {
    messages: f.messages,
    statuses: f.statuses,
    delivered,
    failed: (s.failed ?? 0) + (s.undelivered ?? 0),
    deliveryRate: handled === 0 ? null : delivered / handled,
    medianTimeToDeliveredMs: delivery ? histogramQuantile(delivery, deliveryBucketsMs, 0.5) : null,
    segments: f.segments,
    cost: { eur: euros(f.eurMicros), mad: euros(f.madMicros) },
  };
}

/** A group's key as answered: a day or an hour for time groups, null for an unknown dimension. */
function groupKey(groupBy: StatsGroup, group: string | number): string | null {
  if (groupBy === 'day') return day(Number(group));
  if (groupBy === 'hour') return iso(Number(group)).replace('.000Z', 'Z');
  return group === '' ? null : String(group);
}

/**
 * `GET /v1/analytics/messages`: the project's messages over a range, in total and per group —
 * counts per status, delivery rate, median time to delivered, segments, cost, and the most
 * frequent failure codes with what they mean. Read from the rollups, never the messages.
 */
export async function messageAnalytics(
  deps: AnalyticsDeps,
  projectId: string,
  query: Record<string, string>,
): Promise<AnalyticsMessagesResponse> {
  const q = parse(analyticsMessagesQuerySchema, query);
  const groupBy = q.groupBy;
  const unit = hourlyGroups.has(groupBy) ? HOUR_MS : DAY_MS;
  const range = resolveRange(deps, projectId, q, unit, groupBy);
  const dailyRange = {
    ...range,
    from: Math.floor(range.from / DAY_MS) * DAY_MS,
    to: Math.ceil(range.to / DAY_MS) * DAY_MS,
  };
  const [rows, times, failures] = await Promise.all([
    deps.store.analytics.messageStats(range, groupBy),
    deps.store.analytics.deliveryTimes(range, groupBy),
    deps.store.analytics.failureCodes(dailyRange, 10),
  ]);
  const histograms = new Map<string | number, number[]>();
  const total = new Array<number>(deliveryBucketsMs.length + 1).fill(0);
  for (const t of times) {
    let h = histograms.get(t.group);
    if (!h) histograms.set(t.group, (h = new Array<number>(deliveryBucketsMs.length + 1).fill(0)));
    h[t.bucket] = (h[t.bucket] ?? 0) + t.messages;
    total[t.bucket] = (total[t.bucket] ?? 0) + t.messages;
  }
  const totals = emptyFigures();
  const groups = new Map<string | number, Figures>();
  for (const r of rows) {
    add(totals, r);
    let g = groups.get(r.group);
    if (!g) groups.set(r.group, (g = emptyFigures()));
    add(g, r);
  }
  return {
    projectId: range.projectId,
    groupBy,
    from: iso(range.from),
    to: iso(range.to),
    totals: finish(totals, total),
    groups: [...groups].map(([group, f]) => ({
      key: groupKey(groupBy, group),
      ...finish(
        f,
        groupBy === 'status' ? (f.statuses.delivered || f.statuses.read ? total : undefined) : histograms.get(group),
      ),
    })),
    topFailureCodes: failures.map((f) => ({ code: f.code, messages: f.messages, meaning: failureMeaning(f.code) })),
  };
}
