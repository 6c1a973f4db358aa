import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClaimedDelivery, DeliveryOutcome, EndpointDisabledReason, Store } from '../store/types.js';
import type { Sealer } from '../crypto/sealer.js';
import { webhookRetryDelaysMs } from '../store/event-schema.js';
import { eventPayload } from '../features/webhooks/event-payload.js';
import { signatureHeaders } from '../features/webhooks/signing.js';
import { postWebhook, type PostResult } from '../features/webhooks/post-webhook.js';
import type { TargetPolicy } from '../features/webhooks/target-policy.js';
import { noMetrics, type WorkerMetrics } from '../metrics/relay-metrics.js';

/** Webhook dispatcher settings; the optional ones suit one relay. */
export interface WebhookDispatcherOptions {
  store: Store;
  sealer: Sealer;
  policy: TargetPolicy;
  log: Logger;
  now: () => number;
  /** Posts at once, over all endpoints. @default 64 */
  concurrency?: number;
  /** Posts at once to one endpoint (or callback URL): a slow receiver holds only its own. @default 16 */
  perTarget?: number;
  /** How long a claimed delivery stays leased; after a crash it comes back when this runs out. @default 60000 */
  leaseMs?: number;
  /** How often an idle dispatcher looks for due deliveries (woken by this process's writes, and on PostgreSQL by NOTIFY). @default 500 */
  pollMs?: number;
  /** One attempt's deadline, from connecting to the end of the answer. @default 10000 */
  timeoutMs?: number;
  /** An endpoint failing for this long is turned off. @default 5 days */
  disableAfterMs?: number;
  random?: () => number;
  /** The delay before each retry (`webhookRetryDelaysMs`); tests shorten it. */
  retryDelaysMs?: readonly number[];
  /** Counts each attempt by what it left its delivery. */
  metrics?: Pick<WorkerMetrics, 'webhookAttempt'>;
  /** Tests replace the poster. */
  post?: typeof postWebhook;
  /** Told of endpoints the dispatcher turned off (to record and announce it). */
  onDisabled?: (
    disabled: Array<{ projectId: string; endpointId: string; reason: EndpointDisabledReason }>,
  ) => Promise<void>;
}

export interface WebhookDispatcher {
  start(): void;
  /** Stops claiming, waits for the posts in flight and records them. */
  stop(): Promise<void>;
  /** Looks for due deliveries now. */
  wake(): void;
  /** Posts in flight now. */
  readonly inFlight: number;
}

/** Outcomes are written in batches: at most this many, or after this long. */
const FLUSH_SIZE = 200;
const FLUSH_MS = 10;
/** How soon a wake runs a turn: every wake of a burst shares it. */
const WAKE_MS = 5;

/** What one attempt came to: the poster's result, or why the relay made none. */
export type AttemptResult = Omit<PostResult, 'error'> & {
  error: PostResult['error'] | 'internal' | 'endpoint_disabled' | 'no_signing_secret';
};

/** The delay before the next attempt after `attempts` failed ones, jittered ±20 %; null when none is left. */
export function nextWebhookDelay(
  attempts: number,
  random: () => number,
  delays: readonly number[] = webhookRetryDelaysMs,
): number | null {
  const base = delays[attempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** What one attempt's result makes of the delivery. */
export function outcomeOf(
  delivery: ClaimedDelivery,
  result: AttemptResult,
  at: number,
  random: () => number,
  delays: readonly number[] = webhookRetryDelaysMs,
): DeliveryOutcome {
  const attempt = {
    at,
    statusCode: result.status,
    latencyMs: Math.round(result.latencyMs),
    response: result.body,
    error: result.error,
  };
  if (result.ok) return { delivery, attempt, status: 'delivered', dueAt: null };
  const gone = result.status === 410 && delivery.endpoint !== null;
  const delay = result.retryable && !gone ? nextWebhookDelay(delivery.attempts + 1, random, delays) : null;
  if (delay === null) return { delivery, attempt, status: 'failed', dueAt: null, gone };
  return { delivery, attempt, status: 'pending', dueAt: at + delay };
}

/**
 * Delivers the event log's webhook deliveries (store/event-schema.ts): claims due ones under a
 * lease, signs each event (Standard Webhooks, with the endpoint's secret and, for 24 h after a
 * rotation, its previous one), posts it through the SSRF guard (`post-webhook.ts`), and records
 * each attempt in batches. Retries follow `webhookRetryDelaysMs` (about 28 h); `410 Gone` turns
 * an endpoint off at once, and so does failing for `disableAfterMs`.
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  return new Dispatcher(options);
}

class Dispatcher implements WebhookDispatcher {
  readonly #o: Required<Omit<WebhookDispatcherOptions, 'onDisabled'>> & Pick<WebhookDispatcherOptions, 'onDisabled'>;
  readonly #owner = `webhooks-${randomUUID()}`;
  readonly #secrets = new Map<string, string>();
  readonly #perTarget = new Map<string, number>();
  /** Claimed deliveries waiting for a slot (their target is at its limit). */
  readonly #waiting: ClaimedDelivery[] = [];
  #outcomes: DeliveryOutcome[] = [];
  #flushTimer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #loop: Promise<void> | null = null;
  #again = false;
  #soon: NodeJS.Timeout | null = null;
  #idle: Array<() => void> = [];
  #unsubscribe: (() => void) | null = null;
  readonly #controller = new AbortController();

  constructor(options: WebhookDispatcherOptions) {
    this.#o = {
      concurrency: 64,
      perTarget: 16,
      leaseMs: 60_000,
      pollMs: 500,
      timeoutMs: 10_000,
      disableAfterMs: 5 * 86_400_000,
      random: Math.random,
      retryDelaysMs: webhookRetryDelaysMs,
      post: postWebhook,
      metrics: noMetrics.worker,
      ...options,
    };
  }

  get inFlight() {
    return this.#inFlight;
  }

  start() {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#o.store.onWebhooks?.(() => this.wake()) ?? null;
    this.wake();
  }

  async stop() {
    this.#running = false;
    this.#unsubscribe?.();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#soon) clearTimeout(this.#soon);
    this.#timer = null;
    this.#soon = null;
    await this.#loop;
    if (this.#inFlight > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    const waiting = this.#waiting.splice(0);
    await this.#flush();
    await this.#o.store.webhooks.release(waiting).catch((error: unknown) => {
      this.#o.log.warn({ err: error }, 'could not give back claimed webhook deliveries');
    });
  }

  /**
   * Looks for due deliveries within `WAKE_MS`: the writes of one burst (a provider posting
   * thousands of inbound messages a second, each announcing a possible event) make one turn, not
   * one claim each.
   */
  wake() {
    if (!this.#running || this.#soon) return;
    if (this.#loop) {
      this.#again = true;
      return;
    }
    this.#soon = setTimeout(() => {
      this.#soon = null;
      this.#run();
    }, WAKE_MS);
    this.#soon.unref();
  }

  #run() {
    if (!this.#running) return;
    if (this.#loop) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#loop = this.#turn().finally(() => {
      this.#loop = null;
      if (this.#again) {
        this.#again = false;
        this.#run();
      }
    });
  }

  /** Claims what the free slots can take, starts each, and sleeps until the next due delivery. */
  async #turn(): Promise<void> {
    let delay = this.#o.pollMs;
    try {
      const room = this.#o.concurrency * 2 - this.#inFlight - this.#waiting.length;
      if (room > 0) {
        const claimed = await this.#o.store.webhooks.claim(this.#o.now(), room, this.#o.leaseMs, this.#owner);
        this.#waiting.push(...claimed);
        if (claimed.length === room) delay = 0;
      }
      this.#pump();
      if (delay > 0) {
        const next = await this.#o.store.webhooks.nextDue();
        if (next !== null) delay = Math.max(Math.min(delay, next - this.#o.now()), 20);
      }
    } catch (error) {
      this.#o.log.warn({ err: error }, 'webhook dispatcher turn failed');
      delay = 1000;
    }
    if (!this.#running) return;
    this.#timer = setTimeout(() => this.#run(), delay);
    this.#timer.unref();
  }

  /** Starts waiting deliveries while there are slots, each target within its own limit. */
  #pump() {
    for (let i = 0; i < this.#waiting.length && this.#inFlight < this.#o.concurrency;) {
      const delivery = this.#waiting[i]!;
      const target = delivery.endpoint?.id ?? delivery.url ?? '';
      const busy = this.#perTarget.get(target) ?? 0;
      if (busy >= this.#o.perTarget) {
        i += 1;
        continue;
      }
      this.#waiting.splice(i, 1);
      this.#perTarget.set(target, busy + 1);
      this.#inFlight += 1;
      void this.#deliver(delivery).finally(() => {
        this.#inFlight -= 1;
        const left = (this.#perTarget.get(target) ?? 1) - 1;
        if (left === 0) this.#perTarget.delete(target);
        else this.#perTarget.set(target, left);
        this.#pump();
        if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
        if (this.#running && this.#waiting.length + this.#inFlight < this.#o.concurrency) this.wake();
      });
    }
  }

  async #deliver(delivery: ClaimedDelivery): Promise<void> {
    let result: AttemptResult;
    const at = this.#o.now();
    try {
      result = await this.#attempt(delivery);
    } catch (error) {
      this.#o.log.warn({ err: error, deliveryId: delivery.id }, 'webhook delivery could not be attempted');
      result = { ok: false, status: null, latencyMs: 0, body: '', error: 'internal', retryable: true };
    }
    const outcome = outcomeOf(delivery, result, at, this.#o.random, this.#o.retryDelaysMs);
    this.#o.metrics.webhookAttempt(outcome.status === 'pending' ? 'retry' : outcome.status, result.latencyMs / 1000);
    this.#outcomes.push(outcome);
    if (this.#outcomes.length >= FLUSH_SIZE) void this.#flush();
    else this.#flushTimer ??= setTimeout(() => void this.#flush(), FLUSH_MS);
    // The slot is free before the outcome is written: the delivery's lease keeps it from being
    // claimed again meanwhile, and `stop` writes what is left.
  }

  async #attempt(delivery: ClaimedDelivery): Promise<AttemptResult> {
    const { endpoint } = delivery;
    if (endpoint && !endpoint.active) {
      return { ok: false, status: null, latencyMs: 0, body: '', error: 'endpoint_disabled', retryable: false };
    }
    const secrets = this.#secretsFor(delivery);
    if (secrets === null) {
      return { ok: false, status: null, latencyMs: 0, body: '', error: 'no_signing_secret', retryable: false };
    }
    const body = eventPayload(delivery.event);
    const headers = signatureHeaders(secrets, {
      id: delivery.event.id,
      timestamp: Math.floor(this.#o.now() / 1000),
      body,
    });
    return this.#o.post(
      { url: endpoint?.url ?? delivery.url!, headers, body },
      { policy: this.#o.policy, timeoutMs: this.#o.timeoutMs, signal: this.#controller.signal },
    );
  }

  /**
   * The secrets that sign a delivery: the endpoint's (and its previous one during a rotation); a
   * message's callback is signed with the project's first endpoint's, which the claim joined.
   */
  #secretsFor(delivery: ClaimedDelivery): string[] | null {
    const endpoint = delivery.signer;
    if (!endpoint) return null;
    const secrets = [this.#open(endpoint.secretSealed)];
    if (endpoint.previousSecretSealed && (endpoint.previousSecretUntil ?? 0) > this.#o.now()) {
      secrets.push(this.#open(endpoint.previousSecretSealed));
    }
    return secrets;
  }

  #open(sealed: string): string {
    let secret = this.#secrets.get(sealed);
    if (secret === undefined) {
      secret = this.#o.sealer.open<string>(sealed);
      if (this.#secrets.size > 1000) this.#secrets.clear();
      this.#secrets.set(sealed, secret);
    }
    return secret;
  }

  /** Writes the outcomes gathered so far in one transaction (one at a time). */
  #flush(): Promise<void> {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    const batch = this.#outcomes;
    this.#outcomes = [];
    this.#flushing = this.#flushing.then(async () => {
      if (batch.length === 0) return;
      const at = this.#o.now();
      try {
        const disabled = await this.#o.store.webhooks.record(batch, at, at - this.#o.disableAfterMs);
        if (disabled.length > 0) await this.#o.onDisabled?.(disabled);
      } catch (error) {
        // The leases run out and the deliveries are tried again: at least once, never lost.
        this.#o.log.error({ err: error, deliveries: batch.length }, 'could not record webhook attempts');
      }
    });
    return this.#flushing;
  }
}
