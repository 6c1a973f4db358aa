import { z } from 'zod';

/** How far apart `from` and `to` may be (366 days); by hour, 31 days (744 groups). */
export const maxAnalyticsRangeMs = 366 * 24 * 3600 * 1000;
export const maxHourlyRangeMs = 31 * 24 * 3600 * 1000;

/** What `GET /v1/analytics/messages` groups by: a UTC day or hour, or a dimension of the messages. */
export const analyticsGroups = [
  'day',
  'hour',
  'channel',
  'status',
  'country',
  'operator',
  'connector',
  'template',
] as const;

const rangeShape = {
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      'Start, ISO 8601 (inclusive; rounded down to the hour, or the day for daily figures). Default: 30 days before `to`.',
    ),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('End, ISO 8601 (exclusive; rounded up to the hour, or the day). Default: now.'),
  /** For members and admin tokens: the project (or the `MessageJS-Project` header). */
  projectId: z.string().min(1).max(100).optional(),
};

/**
 * `to` after `from`, within the longest range (shorter by hour), when both are given: the relay
 * checks the range it derives from the defaults (its own clock) the same way.
 */
function checkRange(query: { from?: string; to?: string; groupBy?: string }, ctx: z.RefinementCtx) {
  if (query.from === undefined || query.to === undefined) return;
  const problem = rangeProblem(Date.parse(query.from), Date.parse(query.to), query.groupBy);
  if (problem) ctx.addIssue({ code: 'custom', path: ['to'], message: problem });
}

/** Why `[from, to)` is not a range analytics answer (null when it is). */
export function rangeProblem(from: number, to: number, groupBy?: string): string | null {
  const max = groupBy === 'hour' ? maxHourlyRangeMs : maxAnalyticsRangeMs;
  if (to <= from) return 'must be after from';
  if (to - from > max)
    return `at most ${max / (24 * 3600 * 1000)} days after from${groupBy === 'hour' ? ' by hour' : ''}`;
  return null;
}

/** `GET /v1/analytics/messages`: a range and what to group by (default `day`). */
export const analyticsMessagesQuerySchema = z
  .strictObject({ groupBy: z.enum(analyticsGroups).default('day'), ...rangeShape })
  .superRefine(checkRange)
  .describe('The range and grouping of message analytics.');

/** `GET /v1/analytics/connectors|verify|usage`: a range. */
export const analyticsRangeQuerySchema = z
  .strictObject(rangeShape)
  .superRefine(checkRange)
  .describe('The range of an analytics report.');

const count = z.number().int();
const money = z.object({ eur: z.number(), mad: z.number() }).describe('Summed cost, in euros and dirhams.');
const rate = z.number().min(0).max(1).nullable();

/** Message figures of a range or of one group of it. */
const messageFigures = {
  messages: count,
  /** Messages per current status (only statuses with messages). */
  statuses: z.record(z.string(), count),
  /** Delivered or read. */
  delivered: count,
  /** Failed or undelivered. */
  failed: count,
  deliveryRate: rate.describe(
    'Delivered (or read) out of the messages handed to a provider or failed (sent, delivered, read, failed, undelivered, expired); null when none.',
  ),
  medianTimeToDeliveredMs: z
    .number()
    .nullable()
    .describe(
      'Median time from acceptance to delivery, estimated within its histogram bucket; null when none was delivered.',
    ),
  segments: count,
  cost: money,
};

export const analyticsMessagesResponseSchema = z
  .object({
    projectId: z.string(),
    groupBy: z.enum(analyticsGroups),
    /** The range the figures cover (rounded to the rollups' hours or days). */
    from: z.string(),
    to: z.string(),
    totals: z.object(messageFigures),
    groups: z.array(
      z.object({
        /** The group: `2026-06-01` (day), `2026-06-01T08:00:00Z` (hour), or the dimension's value (null when unknown). */
        key: z.string().nullable(),
        ...messageFigures,
      }),
    ),
    topFailureCodes: z.array(
      z.object({
        code: z.string(),
        messages: count,
        meaning: z.string().nullable().describe('What the code means, when known.'),
      }),
    ),
  })
  .describe(
    'Message figures of a project over a range: totals, one entry per group, and the most frequent failure codes.',
  );

export const analyticsConnectorsResponseSchema = z
  .object({
    projectId: z.string(),
    from: z.string(),
    to: z.string(),
    connectors: z.array(
      z.object({
        connectorId: z.string(),
        type: z.string(),
        channel: z.string(),
        attempts: count,
        successes: count,
        failures: count,
        successRate: rate,
        /** Attempts after an earlier one of the same message. */
        retries: count,
        latencyMs: z
          .object({ p50: z.number(), p95: z.number() })
          .nullable()
          .describe(
            'Provider latency percentiles, estimated within their histogram buckets; null when none was measured.',
          ),
        circuit: z
          .enum(['closed', 'open'])
          .nullable()
          .describe('This relay’s circuit breaker for the connector now; null without a worker in this process.'),
      }),
    ),
  })
  .describe(
    'Per connector over a range: attempts, success rate, retries, provider latency and the circuit breaker now.',
  );

const verifyFigures = {
  /** Verifications started (their first code sent). */
  sessions: count,
  /** Codes sent, resends included. */
  sends: count,
  /** Codes checked (right or wrong). */
  checks: count,
  verified: count,
  conversionRate: rate.describe('Verified out of started; a low rate in one country is what SMS pumping looks like.'),
};

export const analyticsVerifyResponseSchema = z
  .object({
    projectId: z.string(),
    from: z.string(),
    to: z.string(),
    totals: z.object(verifyFigures),
    countries: z.array(z.object({ country: z.string().nullable(), ...verifyFigures })),
  })
  .describe(
    'Phone verifications over a range, in total and per country: started, codes sent, checks, verified, conversion.',
  );

const usageFigures = { messages: count, segments: count, cost: money };

export const analyticsUsageResponseSchema = z
  .object({
    projectId: z.string(),
    from: z.string(),
    to: z.string(),
    totals: z.object(usageFigures),
    /** Per UTC day: the project's figures and each key's. */
    days: z.array(
      z.object({
        day: z.string(),
        ...usageFigures,
        keys: z.array(z.object({ keyId: z.string(), ...usageFigures })),
      }),
    ),
  })
  .describe('Usage over a range per UTC day: messages, segments and cost, for the project and for each of its keys.');

export type AnalyticsGroup = (typeof analyticsGroups)[number];
export type AnalyticsMessagesQuery = z.input<typeof analyticsMessagesQuerySchema>;
export type AnalyticsRangeQuery = z.input<typeof analyticsRangeQuerySchema>;
export type AnalyticsMessagesResponse = z.infer<typeof analyticsMessagesResponseSchema>;
export type AnalyticsConnectorsResponse = z.infer<typeof analyticsConnectorsResponseSchema>;
export type AnalyticsVerifyResponse = z.infer<typeof analyticsVerifyResponseSchema>;
export type AnalyticsUsageResponse = z.infer<typeof analyticsUsageResponseSchema>;
