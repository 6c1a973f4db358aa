import type { MessageStatus } from '@messagejs/shared-types';

/** One project's counters over `[from, to)` (ms; the rollups' own hours or days). */
export interface StatsRange {
  projectId: string;
  from: number;
  to: number;
}

/** What message rows are grouped by: a time bucket (hour or day, ms at its start) or a dimension. */
export type StatsGroup = 'day' | 'hour' | 'channel' | 'status' | 'country' | 'operator' | 'connector' | 'template';

/** Summed message counters of one group and one status (`''` stands for a missing dimension). */
export interface MessageStatsRow {
  group: string | number;
  status: MessageStatus;
  messages: number;
  segments: number;
  costEurMicros: number;
  costMadMicros: number;
}

/** How many of a group's delivered messages took a time in `bucket` (see `deliveryBucketsMs`). */
export interface DeliveryTimeRow {
  group: string | number;
  bucket: number;
  messages: number;
}

/** One connector's attempts: outcomes, retries and the provider latency histogram (`latencyBucketsMs`). */
export interface ConnectorStatsRow {
  connectorId: string;
  connectorType: string;
  channel: string;
  attempts: number;
  successes: number;
  retries: number;
  /** Attempts whose provider latency was measured: the histogram's total. */
  timed: number;
  latency: number[];
}

/** Verifications of one country: started (first sends), codes sent, checks and approvals. */
export interface VerifyStatsRow {
  country: string;
  sessions: number;
  sends: number;
  checks: number;
  verified: number;
}

/** Messages accepted per key and day. */
export interface UsageRow {
  day: number;
  keyId: string;
  channel: string;
  messages: number;
  segments: number;
  costEurMicros: number;
  costMadMicros: number;
}

/**
 * The analytics rollups (store/analytics-schema.ts), read: sums over a few rows per hour or day,
 * never a scan of the messages. The hourly rollups answer `hour`, `day`, `channel` and `status`
 * (hour-aligned ranges); the daily ones the other dimensions and the failure codes (day-aligned).
 */
export interface AnalyticsRepo {
  messageStats(range: StatsRange, groupBy: StatsGroup): Promise<MessageStatsRow[]>;
  /** Time-to-delivered histograms per group; `status` has none (empty). */
  deliveryTimes(range: StatsRange, groupBy: StatsGroup): Promise<DeliveryTimeRow[]>;
  /** The most frequent error codes of failed and undelivered messages, most frequent first. */
  failureCodes(range: StatsRange, limit: number): Promise<Array<{ code: string; messages: number }>>;
  connectorStats(range: StatsRange): Promise<ConnectorStatsRow[]>;
  verifyStats(range: StatsRange): Promise<VerifyStatsRow[]>;
  usage(range: StatsRange): Promise<UsageRow[]>;
  /**
   * Counts what the rollups have not counted yet: with `before`, only the messages created before
   * it (and every attempt). SQLite counts new messages and attempts after they are written
   * (migration 019): this folds them in. Each read above settles everything first; the worker
   * settles every couple of seconds what is a few seconds old. PostgreSQL counts in the writing
   * transaction: nothing to do.
   */
  settle(before?: number): Promise<void>;
}
