import { createRequire } from 'node:module';
import type { HttpServerLimits, RelayConfig } from '../config.js';
import { createRelayMetrics, noMetrics, type RelayMetrics } from '../metrics/relay-metrics.js';
import { backendOf } from '../store/open-store.js';
import { withRefusals, type RateLimitStore } from '../store/rate-limits.js';
import type { SharedState } from '../store/shared-state.js';
import type { Store } from '../store/types.js';
import type { Handler } from '../http/platform/handler.js';
import { listenMetrics, metricsOnly, type MetricsListener } from '../http/platform/metrics-only.js';
import type { Route } from '../http/platform/route.js';
import { metricsRoutes, statusRoutes } from '../features/operations/routes.js';
import type { Worker } from '../jobs/worker.js';

/** The relay's version (`src/` and `dist/` both sit beside `package.json`). */
export const RELAY_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * What the relay offers its operators (issue 14): `GET /metrics` — on the relay's port with
 * `MESSAGEJS_METRICS_TOKEN`, on a port of its own with `MESSAGEJS_METRICS_PORT`, never without
 * one of them — and `GET /v1/status`. Metrics are counted only when they can be served.
 */
export interface Operations {
  readonly metrics: RelayMetrics;
  /** The limits' counters, counting each refusal by dimension. */
  countRefusals: (limits: RateLimitStore) => RateLimitStore;
  /** Names what the gauges read when scraped: the outbox, the worker and its circuit breakers. */
  watch: (parts: { store: Store; worker: Worker | null; now: () => number }) => void;
  /** `GET /v1/status` (behind `admin`) and, with a token, `GET /metrics`. */
  routes: (deps: {
    store: Store;
    worker: Worker | null;
    now: () => number;
    shared: SharedState;
    admin: Handler;
  }) => Route[];
  /** Starts the metrics port when one is configured (once); its URL, or null. */
  listen: (limits: HttpServerLimits) => Promise<string | null>;
  close: () => Promise<void>;
}

export function createOperations(config: Readonly<RelayConfig>, now: () => number): Operations {
  const { token, port, host } = config.metrics;
  const startedAt = now();
  const metrics =
    token !== null || port !== null
      ? createRelayMetrics({ version: RELAY_VERSION, backend: backendOf(config), now })
      : noMetrics;
  let listener: Promise<MetricsListener> | null = null;
  return {
    metrics,
    countRefusals: (limits) => (metrics.enabled ? withRefusals(limits, metrics.limits.refused) : limits),
    watch({ store, worker }) {
      metrics.watch({
        outbox: () => store.outbox.stats(now()),
        webhooksPending: () => store.webhooks.pending(),
        ...(worker && { worker: () => worker, breakers: () => worker.connectorHealth() }),
      });
    },
    routes: ({ store, worker, shared, admin }) => [
      ...statusRoutes({ store, worker, now, startedAt, relayVersion: RELAY_VERSION, redis: shared, admin }),
      ...metricsRoutes({ metrics, token }),
    ],
    async listen(limits) {
      if (port === null) return null;
      listener ??= listenMetrics(metricsOnly({ metrics, token }), { host, port }, limits);
      return (await listener).url;
    },
    async close() {
      const started = listener;
      listener = null;
      if (started) await (await started.catch(() => null))?.close();
    },
  };
}
