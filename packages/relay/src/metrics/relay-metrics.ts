import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { SeriesCounter, SeriesHistogram, type CounterSeries, type HistogramSeries } from './series.js';

/** How a provider call ended: the provider took the message, or refused it (retry may help, or not). */
export type ProviderOutcome = 'ok' | 'transient' | 'permanent';

/** What one HTTP route records per answer; bound once per route when it is mounted. */
export interface RouteObserver {
  observe: (status: number, seconds: number) => void;
}

/** The HTTP side: one observer per mounted route (its pattern, never the URL), one for everything else. */
export interface HttpMetrics {
  route: (method: string, path: string) => RouteObserver;
  /** Requests no route of the API matched (the SDK's files, the demo pages, preflights, unknown paths). */
  other: (method: string) => RouteObserver;
}

/** A message's life, by channel and connector type (`twilio`, `console`…). */
export interface MessageMetrics {
  /** Stored and answered `202` (pipeline step 9): no connector chosen yet. */
  accepted: (channel: string) => void;
  /** A provider took it. */
  sent: (channel: string, connector: string) => void;
  /** Delivered: the provider said so when it took it (console) or in a status callback. */
  delivered: (channel: string, connector: string) => void;
  /** Failed for good (`failed`, or `undelivered` by a callback); `none` when no connector was reached. */
  failed: (channel: string, connector: string) => void;
}

/** The worker's own figures. */
export interface WorkerMetrics {
  /** One outbox claim statement took this long. */
  claim: (seconds: number) => void;
  /** One provider call took this long and ended so. */
  providerCall: (connector: string, outcome: ProviderOutcome, seconds: number) => void;
  /** One webhook attempt took this long and left its delivery so (delivered, retry later, failed for good). */
  webhookAttempt: (outcome: WebhookOutcome, seconds: number) => void;
}

/** What one webhook attempt left its delivery: delivered, to be tried again, or failed for good. */
export type WebhookOutcome = 'delivered' | 'retry' | 'failed';

/** Rate-limit refusals (`429 rate_limited`) by dimension (`key`, `ip`, `recipient`, `project`…). */
export interface LimitMetrics {
  refused: (dimension: string) => void;
}

/** The outbox's rows at one moment (`store.outbox.stats`). */
export interface OutboxFigures {
  due: number;
  leased: number;
  later: number;
  oldestDueAt: number | null;
}

/** One connector's circuit breaker, as the worker of this process knows it. */
export interface BreakerFigures {
  connectorId: string;
  connectorType: string;
  open: boolean;
  /** Transient failures in a row since the last success (or since the breaker last opened). */
  failures: number;
}

/** What is read at scrape time rather than counted: set by `app.ts` once the parts exist. */
export interface ScrapeSources {
  outbox?: () => Promise<OutboxFigures>;
  worker?: () => { inFlight: number; waiting: number; concurrency: number };
  breakers?: () => readonly BreakerFigures[];
  /** Webhook deliveries waiting (due or later), across every relay of the database. */
  webhooksPending?: () => Promise<number>;
}

/**
 * The relay's metrics, on a registry of its own (several relays in one process do not share
 * one). Everything counted on the send and delivery paths goes into series bound once
 * (`series.ts`); what the database knows is read when scraped.
 */
export interface RelayMetrics {
  readonly enabled: boolean;
  readonly http: HttpMetrics;
  readonly messages: MessageMetrics;
  readonly worker: WorkerMetrics;
  readonly limits: LimitMetrics;
  watch: (sources: ScrapeSources) => void;
  /** The Prometheus text exposition. */
  exposition: () => Promise<{ text: string; contentType: string }>;
}

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Up to the provider call's 15 s timeout (`WorkerOptions.sendTimeoutMs`). */
const PROVIDER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
const CLAIM_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const nothing = () => {};
const noObserver: RouteObserver = Object.freeze({ observe: nothing });

/** Metrics switched off (no token, no port): every recorder does nothing, so the send path pays one empty call. */
export const noMetrics: RelayMetrics = Object.freeze({
  enabled: false,
  http: Object.freeze({ route: () => noObserver, other: () => noObserver }),
  messages: Object.freeze({ accepted: nothing, sent: nothing, delivered: nothing, failed: nothing }),
  worker: Object.freeze({ claim: nothing, providerCall: nothing, webhookAttempt: nothing }),
  limits: Object.freeze({ refused: nothing }),
  watch: nothing,
  exposition: () => Promise.resolve({ text: '', contentType: Registry.PROMETHEUS_CONTENT_TYPE }),
});

/** Memoises series by two label values with nested maps: a lookup builds no key string. */
function byTwo<S>(make: (a: string, b: string) => S): (a: string, b: string) => S {
  const outer = new Map<string, Map<string, S>>();
  return (a, b) => {
    let inner = outer.get(a);
    if (!inner) outer.set(a, (inner = new Map<string, S>()));
    let series = inner.get(b);
    if (!series) inner.set(b, (series = make(a, b)));
    return series;
  };
}

/** Memoises series by one label value. */
function byOne<S>(make: (a: string) => S): (a: string) => S {
  const map = new Map<string, S>();
  return (a) => {
    let series = map.get(a);
    if (!series) map.set(a, (series = make(a)));
    return series;
  };
}

function httpMetrics(registers: Registry[]): HttpMetrics {
  const requests = new SeriesCounter({
    name: 'messagejs_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const duration = new SeriesHistogram({
    name: 'messagejs_http_request_duration_seconds',
    help: 'Time from a request’s arrival to the end of its answer, by method and route pattern.',
    labelNames: ['method', 'route'],
    buckets: HTTP_BUCKETS,
    registers,
  });
  const observer = (method: string, route: string): RouteObserver => {
    const time: HistogramSeries = duration.series(method, route);
    const byStatus = new Map<number, CounterSeries>();
    return {
      observe(status, seconds) {
        let count = byStatus.get(status);
        if (!count) byStatus.set(status, (count = requests.series(method, route, String(status))));
        count.value++;
        time.observe(seconds);
      },
    };
  };
  return { route: observer, other: byOne((method) => observer(method, '(other)')) };
}

function messageMetrics(registers: Registry[]): MessageMetrics {
  const accepted = new SeriesCounter({
    name: 'messagejs_messages_accepted_total',
    help: 'Messages stored and answered 202, by channel.',
    labelNames: ['channel'],
    registers,
  });
  const acceptedSeries = byOne((channel) => accepted.series(channel));
  const perConnector = (event: 'sent' | 'delivered' | 'failed', help: string) => {
    const counter = new SeriesCounter({
      name: `messagejs_messages_${event}_total`,
      help,
      labelNames: ['channel', 'connector'],
      registers,
    });
    const series = byTwo((channel, connector) => counter.series(channel, connector));
    return (channel: string, connector: string) => series(channel, connector).inc();
  };
  return {
    accepted: (channel) => acceptedSeries(channel).inc(),
    sent: perConnector('sent', 'Messages a provider took, by channel and connector type.'),
    delivered: perConnector(
      'delivered',
      'Messages delivered (as the provider answered the send, or by its status callback), by channel and connector type.',
    ),
    failed: perConnector(
      'failed',
      'Messages failed for good (or reported undelivered), by channel and connector type (`none`: no connector was reached).',
    ),
  };
}

function workerMetrics(registers: Registry[]): WorkerMetrics {
  const claims = new SeriesHistogram({
    name: 'messagejs_worker_claim_duration_seconds',
    help: 'Time one outbox claim (a batch of due rows leased to this worker) took.',
    labelNames: [],
    buckets: CLAIM_BUCKETS,
    registers,
  }).series();
  const calls = new SeriesHistogram({
    name: 'messagejs_provider_call_duration_seconds',
    help: 'Time one provider call took, by connector type and outcome (ok, transient, permanent).',
    labelNames: ['connector', 'outcome'],
    buckets: PROVIDER_BUCKETS,
    registers,
  });
  const callSeries = byTwo((connector, outcome) => calls.series(connector, outcome));
  const webhooks = new SeriesHistogram({
    name: 'messagejs_webhook_attempt_duration_seconds',
    help: 'Time one webhook POST took, by what it left its delivery (delivered, retry, failed); its count is the attempts.',
    labelNames: ['outcome'],
    buckets: PROVIDER_BUCKETS,
    registers,
  });
  const webhookSeries = byOne((outcome) => webhooks.series(outcome));
  return {
    claim: (seconds) => claims.observe(seconds),
    providerCall: (connector, outcome, seconds) => callSeries(connector, outcome).observe(seconds),
    webhookAttempt: (outcome, seconds) => webhookSeries(outcome).observe(seconds),
  };
}

function limitMetrics(registers: Registry[]): LimitMetrics {
  const refusals = new SeriesCounter({
    name: 'messagejs_rate_limit_refusals_total',
    help: 'Requests refused 429 rate_limited, by limit dimension (key, keyMinute, ip, recipient, template, prefix, project).',
    labelNames: ['dimension'],
    registers,
  });
  const series = byOne((dimension) => refusals.series(dimension));
  return { refused: (dimension) => series(dimension).inc() };
}

/** One read of the outbox shared by the gauges of one scrape (they are collected at once). */
function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= read().finally(() => {
      pending = null;
    });
    return pending;
  };
}

/** The gauges read at scrape time: the outbox, the worker, circuit breakers. */
function scrapedGauges(registers: Registry[], now: () => number, sources: () => ScrapeSources): void {
  const outbox = sharedRead(async () => {
    const read = sources().outbox;
    return read ? await read() : null;
  });
  new Gauge({
    name: 'messagejs_outbox_rows',
    help: 'Outbox rows by state: due (waiting for a worker), leased (being delivered), later (scheduled, retry backoff, fallback checks).',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      const figures = await outbox().catch(() => null);
      if (!figures) return;
      for (const state of ['due', 'leased', 'later'] as const) this.set({ state }, figures[state]);
    },
  });
  new Gauge({
    name: 'messagejs_outbox_oldest_due_age_seconds',
    help: 'How long the oldest due row not leased to a worker has waited (0 when none waits).',
    registers,
    async collect() {
      this.reset();
      const figures = await outbox().catch(() => null);
      if (!figures) return;
      this.set(figures.oldestDueAt === null ? 0 : Math.max(now() - figures.oldestDueAt, 0) / 1000);
    },
  });
  const workerGauge = (name: string, help: string, pick: 'inFlight' | 'waiting' | 'concurrency') =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.reset();
        const worker = sources().worker?.();
        if (worker) this.set(worker[pick]);
      },
    });
  workerGauge('messagejs_worker_in_flight', 'Deliveries this process’s worker is running now.', 'inFlight');
  workerGauge(
    'messagejs_worker_waiting',
    'Jobs held in memory waiting for a free slot (hand-offs, prefetched rows).',
    'waiting',
  );
  workerGauge('messagejs_worker_concurrency', 'Deliveries this process’s worker runs at most at once.', 'concurrency');
  const breakerGauge = (name: string, help: string, value: (b: BreakerFigures) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['connector_id', 'connector'],
      registers,
      collect() {
        this.reset();
        for (const b of sources().breakers?.() ?? []) {
          this.set({ connector_id: b.connectorId, connector: b.connectorType }, value(b));
        }
      },
    });
  breakerGauge(
    'messagejs_circuit_breaker_open',
    'Whether a connector’s circuit breaker is open (1: skipped for a while) in this process’s worker.',
    (b) => (b.open ? 1 : 0),
  );
  breakerGauge(
    'messagejs_circuit_breaker_failures',
    'Transient failures in a row of a connector, counted by its circuit breaker.',
    (b) => b.failures,
  );
}

/** The webhook deliveries waiting, read at scrape time. */
function webhookGauge(registers: Registry[], sources: () => ScrapeSources): void {
  new Gauge({
    name: 'messagejs_webhook_deliveries_pending',
    help: 'Webhook deliveries waiting to be sent or retried (the whole database: every relay’s).',
    registers,
    async collect() {
      this.reset();
      const read = sources().webhooksPending;
      const pending = read ? await read().catch(() => null) : null;
      if (pending !== null) this.set(pending);
    },
  });
}

/**
 * The metrics of one relay on a registry of its own, with Node's process metrics
 * (`collectDefaultMetrics`) and `messagejs_relay_info{version,backend}`.
 */
export function createRelayMetrics(options: { version: string; backend: string; now: () => number }): RelayMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'messagejs_relay_info',
    help: 'The relay’s version and storage backend (always 1).',
    labelNames: ['version', 'backend'],
    registers,
  }).set({ version: options.version, backend: options.backend }, 1);
  let sources: ScrapeSources = {};
  scrapedGauges(registers, options.now, () => sources);
  webhookGauge(registers, () => sources);
  return {
    enabled: true,
    http: httpMetrics(registers),
    messages: messageMetrics(registers),
    worker: workerMetrics(registers),
    limits: limitMetrics(registers),
    watch(next) {
      sources = { ...sources, ...next };
    },
    async exposition() {
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
