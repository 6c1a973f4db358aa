import type { Logger } from 'pino';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import type { Sealer } from '../crypto/sealer.js';
import type { ConnectorPool } from '../features/connectors/connector-pool.js';
import { noMetrics, type MessageMetrics, type WorkerMetrics } from '../metrics/relay-metrics.js';
import { createCircuitBreaker, type BreakerState } from './circuit-breaker.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { createHousekeeping, type SettleTuning } from './housekeeping.js';
import type { RetentionSettings } from './retention.js';
import { createSendHandler } from './handlers/send.js';
import { createSendPacer } from './send-pacer.js';
import { createFallbackCheckHandler } from './handlers/fallback-check.js';
import {
  createWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookDispatcherOptions,
} from './webhook-dispatcher.js';

/** Worker settings; all have defaults that suit one relay process. */
export interface WorkerOptions {
  store: Store;
  pool: ConnectorPool;
  logger: Logger;
  now: () => number;
  /** Messages delivered at once. @default 32 */
  concurrency?: number;
  /** How long a claimed row stays leased; after a crash, rows come back when it expires. @default 30000 */
  leaseMs?: number;
  /**
   * How often an idle worker looks for due rows; it is also woken on every new message, and on
   * PostgreSQL by other processes' notices (then this is a safety poll: `scheduler.ts`).
   * @default 250, or 5000 when the store has `onWork`
   */
  pollMs?: number;
  /** Tries per connector before failing over to the next one of the channel. @default 5 */
  maxAttemptsPerConnector?: number;
  /** First retry delay; doubles each time, with jitter. @default 1000 */
  backoffBaseMs?: number;
  /** Longest retry delay. @default 300000 */
  backoffMaxMs?: number;
  /** A provider call is aborted after this long and counts as a transient failure. @default 15000 */
  sendTimeoutMs?: number;
  /** Transient failures in a row after which a connector is skipped for a while. @default 5 */
  breakerThreshold?: number;
  /** How long an open breaker skips its connector. @default 30000 */
  breakerCooldownMs?: number;
  /** The public status-callback URL of a connector, when the relay has a public URL. */
  statusCallbackUrl?: (connectorId: string) => string | undefined;
  /** Opens the sealed body of a sensitive message (a verification code) just before it is sent. */
  sealer?: Sealer;
  random?: () => number;
  /** How long old data is kept (`MESSAGEJS_RETENTION_DAYS`, …); housekeeping removes it hourly. @default keep everything */
  retention?: RetentionSettings;
  /** How often housekeeping settles the analytics rollups, and how old the messages it settles are (`housekeeping.ts`). */
  settle?: SettleTuning;
  /** Where claims, provider calls and message outcomes are counted. @default noMetrics */
  metrics?: { messages: MessageMetrics; worker: WorkerMetrics };
  /** Delivers webhooks too (with the sealer that opens their secrets): `webhook-dispatcher.ts`. */
  webhooks?: Omit<WebhookDispatcherOptions, 'store' | 'log' | 'now' | 'sealer'>;
}

/** The relay's in-process worker: the outbox scheduler with a handler for every job kind. */
export interface Worker extends Scheduler {
  /** Each connector this worker has called: its circuit breaker and last error (`GET /v1/status`, `/metrics`). */
  connectorHealth(): BreakerState[];
  /** The webhook dispatcher, when the worker delivers webhooks. */
  readonly webhooks: WebhookDispatcher | null;
}

/**
 * Builds the worker: one scheduler, the handler of each job kind (`send`, `fallback_check`) and
 * housekeeping. A new kind of job (webhook deliveries, inbound processing) is one more handler here.
 */
export function createWorker(options: WorkerOptions): Worker {
  const { store, pool, now } = options;
  const log = options.logger.child({ component: 'worker' });
  const breaker = createCircuitBreaker({
    threshold: options.breakerThreshold ?? 5,
    cooldownMs: options.breakerCooldownMs ?? 30_000,
    now,
  });
  const policy = {
    maxAttemptsPerConnector: options.maxAttemptsPerConnector ?? 5,
    backoffBaseMs: options.backoffBaseMs ?? 1000,
    backoffMaxMs: options.backoffMaxMs ?? 300_000,
    random: options.random ?? Math.random,
  };
  const metrics = options.metrics ?? noMetrics;
  const deps = { store, now, log, metrics };
  const scheduler = createScheduler({
    ...deps,
    onClaim: metrics.worker.claim,
    handlers: {
      send: createSendHandler({
        ...deps,
        pool,
        breaker,
        policy,
        sendTimeoutMs: options.sendTimeoutMs ?? 15_000,
        statusCallbackUrl: options.statusCallbackUrl,
        sealer: options.sealer,
        pacer: createSendPacer(),
      }),
      fallback_check: createFallbackCheckHandler(deps),
    },
    housekeeping: createHousekeeping({ ...deps, retention: options.retention, settle: options.settle }),
    concurrency: options.concurrency,
    leaseMs: options.leaseMs,
    pollMs: options.pollMs,
  });
  const webhooks =
    options.webhooks && options.sealer
      ? createWebhookDispatcher({
          metrics: metrics.worker,
          ...options.webhooks,
          store,
          now,
          sealer: options.sealer,
          log: log.child({ part: 'webhooks' }),
        })
      : null;
  if (webhooks) {
    const start = scheduler.start.bind(scheduler);
    const stop = scheduler.stop.bind(scheduler);
    scheduler.start = () => {
      start();
      webhooks.start();
    };
    scheduler.stop = async () => {
      await Promise.all([stop(), webhooks.stop()]);
    };
  }
  return Object.assign(scheduler, { connectorHealth: () => breaker.health(), webhooks });
}

/** What an embedder or a test may tune of the worker a relay builds (`RelayDeps.worker`). */
export type WorkerTuning = Partial<
  Omit<WorkerOptions, 'store' | 'pool' | 'logger' | 'now' | 'retention' | 'webhooks'>
> & {
  /** The webhook dispatcher's settings (its policy and notices come from the relay). */
  webhooks?: Partial<NonNullable<WorkerOptions['webhooks']>>;
  /** Retention's batch size and pauses (its days come from the configuration). */
  retention?: Partial<RetentionSettings>;
};

/**
 * The worker a relay's configuration asks for (`MESSAGEJS_WORKER`, its concurrency, lease and
 * retention settings; status callbacks when the relay has a public URL), or null when it runs
 * none, with an embedder's or a test's `tuning`.
 */
export function workerFor(
  config: Readonly<RelayConfig>,
  parts: Pick<WorkerOptions, 'store' | 'pool' | 'logger' | 'now' | 'sealer' | 'metrics' | 'webhooks'>,
  tuning: WorkerTuning = {},
): Worker | null {
  if (!config.worker) return null;
  const { publicUrl } = config;
  const { retention, webhooks, ...rest } = tuning;
  return createWorker({
    ...parts,
    ...(parts.webhooks && { webhooks: { ...parts.webhooks, ...webhooks } }),
    concurrency: config.workerConcurrency,
    leaseMs: config.leaseMs,
    retention: {
      days: config.retentionDays,
      auditDays: config.auditRetentionDays,
      eventDays: config.eventRetentionDays,
      ...retention,
    },
    ...(publicUrl && { statusCallbackUrl: (id: string) => `${publicUrl}/v1/hooks/${id}/status` }),
    ...rest,
  });
}
