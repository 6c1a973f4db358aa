import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Channel } from '@messagejs/shared-types';
import { ConnectorError, type OutboundMessage } from '../connectors/types.js';
import type { ClaimedJob, ConnectorRecord, Message, MessageAttemptRecord, OutboxLease, Store } from '../store/types.js';
import type { Dispatch } from '../core/dispatch.js';
import { maskAddress, maskText } from '../core/mask.js';
import { openContent, withoutCode } from '../core/queued-message.js';
import type { Sealer } from '../crypto/sealer.js';
import type { ConnectorPool } from './connector-pool.js';
import { backoffDelay } from './backoff.js';
import { createCircuitBreaker } from './circuit-breaker.js';

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
  /** How often an idle worker looks for due rows (it is also woken on every new message). @default 250 */
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
}

/**
 * The outbox worker (DESIGN step 10). It is also the relay's `Dispatch`: a message accepted while
 * the worker has room is stored already leased to it and delivered from memory, without a claim
 * transaction; everything else (a backlog, retries, scheduled rows, rows of a crashed process)
 * goes through the outbox claim.
 */
export interface Worker extends Dispatch {
  start(): void;
  /** Stops claiming and waits for deliveries in flight. */
  stop(): Promise<void>;
  /** Looks for due rows now (called when a message is stored). */
  wake(): void;
  /** Claims and delivers one batch; resolves when it is done. Returns how many rows it took. */
  runOnce(): Promise<number>;
  /** True while the loop runs. */
  readonly running: boolean;
  /** When the loop last completed a pass (ms), for `/readyz`. */
  readonly lastTickAt: number;
}

export function createWorker(options: WorkerOptions): Worker {
  const {
    store,
    pool,
    logger,
    now,
    concurrency = 32,
    leaseMs = 30_000,
    pollMs = 250,
    maxAttemptsPerConnector = 5,
    backoffBaseMs = 1000,
    backoffMaxMs = 300_000,
    sendTimeoutMs = 15_000,
    random = Math.random,
    breakerThreshold = 5,
    breakerCooldownMs = 30_000,
  } = options;
  const breaker = createCircuitBreaker({ threshold: breakerThreshold, cooldownMs: breakerCooldownMs, now });
  const owner = `worker_${randomUUID()}`;
  const log = logger.child({ component: 'worker' });
  let running = false;
  let inflight = 0;
  let claiming = false;
  let timer: NodeJS.Timeout | null = null;
  let wakeQueued = false;
  let lastTickAt = 0;
  const active = new Set<Promise<void>>();
  // Jobs leased to this worker and waiting for a delivery slot, oldest first: hand-offs (messages
  // stored already leased to it) and rows claimed ahead of free slots. Hand-offs are bounded (a
  // few hundred messages), so a longer burst goes to the outbox instead of memory.
  const ready: ClaimedJob[] = [];
  // Message ids this worker holds: waiting in `ready` or being delivered. A held job's lease can
  // run out (a hand-off that waited for a slot longer than the lease, a provider call longer than
  // it), and then this worker's own next claim takes the row again; it must not send it twice.
  const held = new Set<string>();
  const handoffLimit = Math.max(concurrency * 8, 256);
  let reserved = 0;
  // True while due rows may be waiting in the outbox: hand-offs pause then, so messages are
  // delivered in the order they were accepted. Cleared by a claim that finds fewer rows than asked.
  let backlog = true;

  function schedule(delay: number) {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, delay);
    timer.unref?.();
  }

  // Records of finished deliveries not yet committed.
  const writes = new Set<Promise<void>>();
  function recording(write: Promise<void>, messageId: string) {
    const tracked: Promise<void> = write
      .catch((error: unknown) => log.error({ err: error, messageId }, 'could not record a delivery; the lease will expire and the message be sent again'))
      .finally(() => writes.delete(tracked));
    writes.add(tracked);
  }

  /** Rows claimed ahead of free slots, so a freed slot takes the next job without waiting for a claim. */
  const prefetch = concurrency;

  async function claimBatch(): Promise<ClaimedJob[]> {
    const want = concurrency - inflight + prefetch - ready.length;
    // Claim when at least a quarter of the slots' worth is wanted: one claim transaction for
    // several rows instead of one per finished delivery.
    if (claiming || want < Math.ceil(concurrency / 4)) return [];
    claiming = true;
    try {
      const jobs = await store.outbox.claim(now(), want, leaseMs, owner);
      if (jobs.length < want) backlog = false;
      return jobs;
    } finally {
      claiming = false;
    }
  }

  /**
   * Queues claimed jobs. A row this worker already holds stays one job: a fresh claim replaces
   * the waiting job in its place in line (same message, new lease); a row being delivered right
   * now is left to that delivery, which records its outcome (the lease is this worker's again).
   */
  function adopt(jobs: ClaimedJob[]) {
    for (const job of jobs) {
      if (!held.has(job.messageId)) {
        held.add(job.messageId);
        ready.push(job);
        continue;
      }
      const waiting = ready.findIndex((j) => j.messageId === job.messageId);
      if (waiting !== -1) ready[waiting] = job;
    }
  }

  /** Starts waiting jobs (hand-offs and prefetched rows, oldest first) while slots are free. */
  function pump(): number {
    let launched = 0;
    while (running && ready.length > 0 && inflight < concurrency) {
      void launch(ready.shift()!);
      launched++;
    }
    return launched;
  }

  function launch(job: ClaimedJob): Promise<void> {
    inflight++;
    held.add(job.messageId);
    const p = deliver(job)
      .catch((error: unknown) => log.error({ err: maskedError(error), messageId: job.messageId }, 'delivery crashed; the lease will expire and the row be retried'))
      .finally(() => {
        inflight--;
        held.delete(job.messageId);
        active.delete(p);
        // The next job starts on the next turn, not inside this one's completion: by then the
        // provider connection this delivery used is back in its pool for the next to reuse.
        if (running) wake();
      });
    active.add(p);
    return p;
  }

  // Idempotency records are kept ≥ 24 h (a client may retry within a day); older ones are
  // dropped hourly so the table does not grow without bound.
  const IDEMPOTENCY_TTL_MS = 25 * 3600_000;
  let lastPurgeAt = 0;
  async function housekeeping() {
    if (now() - lastPurgeAt < 3600_000) return;
    lastPurgeAt = now();
    const purged = await store.idempotency.purge(now() - IDEMPOTENCY_TTL_MS);
    if (purged > 0) log.info({ purged }, 'old idempotency records dropped');
  }

  async function tick() {
    timer = null;
    if (!running) return;
    try {
      await housekeeping();
      let launched = pump();
      const jobs = await claimBatch();
      lastTickAt = now();
      adopt(jobs);
      launched += pump();
      // Finished deliveries wake the loop; the poll catches retries and scheduled rows coming due.
      if (jobs.length === 0 && launched === 0) schedule(pollMs);
    } catch (error) {
      log.error({ err: error }, 'outbox claim failed');
      schedule(pollMs * 4);
    }
  }

  function wake() {
    if (!running || wakeQueued) return;
    wakeQueued = true;
    setImmediate(() => {
      wakeQueued = false;
      void tick();
    });
  }

  async function deliver(job: ClaimedJob): Promise<void> {
    const { message } = job;
    // A hand-off that waited for a slot for half its lease gets a fresh one before it is sent;
    // if another worker took it over meanwhile, it is that worker's to send.
    if (job.leaseUntil - now() < leaseMs / 2) {
      const until = now() + leaseMs;
      if (!(await store.outbox.renew(job, until))) return;
      job = { ...job, leaseUntil: until };
    }
    if (job.kind === 'fallback_check') {
      // The channel had `fallbackAfter` to report delivery; without it, the next channel is tried.
      if (message.status === 'delivered' || message.status === 'read' || message.cascade.length === 0) return store.outbox.finish(job);
      return giveUp(job, message, null, 'fallback_timeout', `No delivery report on ${message.channel} in time.`);
    }
    const connectors = await store.connectors.forChannel(message.projectId, message.channel);
    const index = Math.floor((job.attempts - 1) / maxAttemptsPerConnector);
    // While a connector's breaker is open, a later connector of the channel sends instead.
    const record = connectors.slice(index).find((c) => !breaker.isOpen(c.id)) ?? connectors[index];
    if (!record) {
      return giveUp(job, message, null, 'channel_not_configured', `No connector left for the ${message.channel} channel.`);
    }
    let outbound: OutboundMessage;
    try {
      outbound = toOutbound(message, options.sealer);
    } catch (error) {
      // Sealed under a master key this relay no longer has (MESSAGEJS_OLD_MASTER_KEYS lacks it): no retry can help.
      return giveUp(job, message, null, 'sealed_content_unreadable', (error as Error).message);
    }
    const { connector, credentials } = pool.get(record);
    // The console connector prints a code only for a development project; only sensitive
    // messages pay for the project lookup.
    const revealSensitive = message.sensitive === true && (await store.projects.get(message.projectId))?.development === true;
    const started = now();
    // Not AbortSignal.timeout(): its timer would outlive every send by `sendTimeoutMs`, keeping
    // thousands of signals alive under load.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new DOMException('The provider did not answer in time', 'TimeoutError')), sendTimeoutMs);
    try {
      const statusCallbackUrl = options.statusCallbackUrl?.(record.id);
      const result = await connector.send(outbound, credentials(), {
        signal: abort.signal,
        ...(statusCallbackUrl && { statusCallbackUrl }),
        ...(revealSensitive && { revealSensitive }),
      }).finally(() => clearTimeout(timer));
      const at = now();
      breaker.success(record.id);
      const awaitsReport = message.cascade.length > 0 && message.fallbackAfterMs && result.status !== 'delivered';
      // The slot is free once the provider has answered; the record joins the store's next batch
      // (stop() waits for it). Should it fail, the lease expires and the message is sent again.
      recording(
        store.outbox.complete(job, {
          attempt: attemptOf(message, record, result.providerMessageId, result.status, null, at),
          status: result.status,
          at,
          ...(awaitsReport && { fallbackAt: at + message.fallbackAfterMs! }),
        }),
        message.id,
      );
      log.debug({ messageId: message.id, channel: message.channel, connector: record.type, to: maskAddress(message.to), status: result.status, ms: at - started }, 'message handed to provider');
    } catch (error) {
      const failure = error instanceof ConnectorError ? error : new ConnectorError('transient', 'provider_unavailable', String((error as Error)?.message ?? error), { cause: error });
      if (!(error instanceof ConnectorError)) log.warn({ err: maskedError(error), messageId: message.id }, 'connector threw an unclassified error; treating it as transient');
      // A provider may quote the body it refused: the code stays out of the stored error text.
      const errorText = message.sensitive ? withoutCode(failure.message, outbound.text) : failure.message;
      const at = now();
      const attempt = attemptOf(message, record, null, 'failed', failure.providerCode ?? failure.code, at);
      if (failure.kind === 'permanent') {
        if (failure.code === 'recipient_opted_out') await store.optOuts.add(message.projectId, message.to, at);
        return giveUp(job, message, attempt, failure.code, errorText);
      }
      breaker.failure(record.id);
      const triesWithThis = job.attempts - index * maxAttemptsPerConnector;
      if (triesWithThis >= maxAttemptsPerConnector) {
        // This provider is spent: fail over to the next connector of the channel at once, or give up.
        if (connectors[index + 1]) {
          await store.outbox.retry(job, { attempt, dueAt: at, errorCode: failure.code, errorMessage: errorText, at });
          log.warn({ messageId: message.id, from: record.type, to: connectors[index + 1]!.type }, 'failing over to the next connector');
          return;
        }
        return giveUp(job, message, attempt, failure.code, errorText);
      }
      const delay = Math.max(failure.retryAfterMs ?? 0, backoffDelay(triesWithThis, backoffBaseMs, backoffMaxMs, random));
      await store.outbox.retry(job, { attempt, dueAt: at + delay, errorCode: failure.code, errorMessage: errorText, at });
      log.warn({ messageId: message.id, connector: record.type, code: failure.code, providerCode: failure.providerCode, error: maskText(errorText), retryInMs: delay }, 'transient failure; retrying');
    }
  }

  /** Permanent failure: cascade to the next channel if the message names one, else fail it. */
  async function giveUp(job: ClaimedJob, message: Message, attempt: MessageAttemptRecord | null, code: string, text: string) {
    const at = now();
    const [next, ...rest] = message.cascade as [Channel | undefined, ...Channel[]];
    if (next) {
      await store.outbox.retry(job, { attempt, dueAt: at, errorCode: code, errorMessage: text, at, resetAttempts: true, channel: next, cascade: rest });
      log.info({ messageId: message.id, from: message.channel, to: next, code, error: maskText(text) }, 'cascading to the next channel');
      return;
    }
    await store.outbox.fail(job, { attempt, errorCode: code, errorMessage: text, at });
    log.warn({ messageId: message.id, code, error: maskText(text) }, 'message failed');
  }

  return {
    start() {
      if (running) return;
      running = true;
      wake();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      // Jobs not started yet (hand-offs, prefetched rows) go back to the outbox at once, not after their lease.
      const waiting = ready.splice(0);
      for (const job of waiting) held.delete(job.messageId);
      if (waiting.length > 0) await store.outbox.release(waiting);
      await Promise.allSettled([...active]);
      await Promise.allSettled([...writes]);
    },
    wake,
    reserve(dueAt: number): OutboxLease | null {
      const at = now();
      if (!running || backlog || dueAt > at || ready.length + reserved >= handoffLimit) return null;
      reserved++;
      return { owner, until: at + leaseMs };
    },
    stored(message: Message, lease: OutboxLease | null) {
      if (!lease) {
        backlog = true;
        return wake();
      }
      reserved--;
      const job: ClaimedJob = { messageId: message.id, attempts: 1, leaseUntil: lease.until, owner, kind: 'send', message };
      if (!running) {
        store.outbox.release([job]).catch((error: unknown) => log.error({ err: error, messageId: message.id }, 'could not release a hand-off; it is sent when its lease expires'));
        return;
      }
      held.add(message.id);
      ready.push(job);
      wake();
    },
    unreserve(lease: OutboxLease | null) {
      if (lease) reserved--;
    },
    async runOnce() {
      const jobs = await store.outbox.claim(now(), concurrency, leaseMs, owner);
      await Promise.all(jobs.map((job) => launch(job)));
      await Promise.allSettled([...writes]);
      return jobs.length;
    },
    get running() {
      return running;
    },
    get lastTickAt() {
      return lastTickAt;
    },
  };
}

function toOutbound(message: Message, sealer: Sealer | undefined): OutboundMessage {
  const { body, subject } = openContent(message, sealer);
  return {
    id: message.id,
    projectId: message.projectId,
    channel: message.channel,
    to: message.to,
    text: body,
    ...(message.sensitive && { sensitive: true }),
    ...(subject && { subject }),
    ...(message.html && { html: message.html }),
  };
}

function attemptOf(message: Message, record: ConnectorRecord, providerMessageId: string | null, status: MessageAttemptRecord['status'], errorCode: string | null, at: number): MessageAttemptRecord {
  return { messageId: message.id, channel: message.channel, connectorId: record.id, connectorType: record.type, providerMessageId, status, errorCode, at };
}

/**
 * An error as logged: provider error text quotes recipients, so its message and stack are masked
 * (`maskText`), and its cause (a provider's body) is left out.
 */
function maskedError(error: unknown): { type: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: maskText(String(error)) };
  return { type: error.name, message: maskText(error.message), ...(error.stack && { stack: maskText(error.stack) }) };
}
