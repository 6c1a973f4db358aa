import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClaimedJob, Message, OutboxLease, Store } from '../store/types.js';
import type { Dispatch } from '../features/messages/dispatch.js';
import type { JobHandlers, JobRecorder } from './job-handler.js';
import { createHeldJobs } from './held-jobs.js';
import { createLeaseKeeper, type LeaseKeeper } from './lease-keeper.js';
import { maskedError } from './masked-error.js';

/** Scheduler settings; the optional ones have defaults that suit one relay process. */
export interface SchedulerOptions {
  store: Store;
  log: Logger;
  now: () => number;
  /** The handler of each job kind. */
  handlers: JobHandlers;
  /** Chores run at the start of every turn (`housekeeping.ts`); `stop` ends those still running. */
  housekeeping?: Chores | undefined;
  /** Jobs run at once. @default 32 */
  concurrency?: number | undefined;
  /**
   * How long a claimed row stays leased; after a crash, rows come back when it expires. A running
   * job's lease is renewed every third of it (`lease-keeper.ts`), so it runs out only for a worker
   * that died. @default 30000
   */
  leaseMs?: number | undefined;
  /**
   * How often an idle scheduler looks for due rows. It is also woken on every message this process
   * stores and, when the store tells of work other processes queued (`store.onWork`: PostgreSQL
   * LISTEN/NOTIFY), on each notice: the poll is then a safety net, and an idle scheduler also wakes
   * when the earliest row comes due (a retry, a scheduled message, an expired lease).
   * @default 250, or 5000 when the store has `onWork`
   */
  pollMs?: number | undefined;
  /** Told how long each outbox claim took, in seconds (the relay's metrics). */
  onClaim?: ((seconds: number) => void) | undefined;
}

/** The chores of each turn, and what ends those running in the background when the scheduler stops. */
type Chores = (() => Promise<void>) & { stop?: () => Promise<void> };

/** The safety poll of a scheduler its store notifies of new work. */
const NOTIFIED_POLL_MS = 5000;
/** The shortest sleep until a due row that another worker was claiming at that moment. */
const MIN_WAIT_MS = 50;
/** The longest wait before trying again after a failed turn (the database is down, say). */
const MAX_ERROR_DELAY_MS = 1000;

/**
 * The outbox scheduler (pipeline step 10, docs/architecture.md). It is also the relay's `Dispatch`: a message accepted while
 * the scheduler has room is stored already leased to it and delivered from memory, without a claim
 * transaction; everything else (a backlog, retries, scheduled rows, rows of a crashed process)
 * goes through the outbox claim.
 */
export interface Scheduler extends Dispatch {
  start(): void;
  /** Stops claiming and waits for jobs running and for their records. */
  stop(): Promise<void>;
  /** Looks for due rows now (called when a message is stored). */
  wake(): void;
  /** Claims and runs one batch; resolves when it is done. Returns how many rows it took. */
  runOnce(): Promise<number>;
  /** True while the loop runs. */
  readonly running: boolean;
  /** When the loop last completed a pass (ms), for `/readyz`. */
  readonly lastTickAt: number;
  /** Jobs running now, jobs held in memory waiting for a slot, and the slots (`GET /v1/status`, `/metrics`). */
  readonly inFlight: number;
  readonly waiting: number;
  readonly concurrency: number;
}

/** Claims due outbox rows under a lease and runs each with the handler of its kind. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  return new OutboxScheduler(options);
}

/**
 * One class rather than one closure: the loop's state (slots in use, the timer, hand-off room) is
 * shared by small methods, each one step of the loop.
 */
class OutboxScheduler implements Scheduler, JobRecorder {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #handlers: JobHandlers;
  readonly #housekeeping: Chores;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #onClaim: ((seconds: number) => void) | undefined;
  /** True when the store notifies of work queued by other processes (`store.onWork`). */
  readonly #notified: boolean;
  #unsubscribe: (() => void) | null = null;
  /** True from a failed turn until the next good one: the failure is logged once, not every second. */
  #failing = false;
  readonly #owner = `worker_${randomUUID()}`;
  /** Rows claimed ahead of free slots, so a freed slot takes the next job without waiting for a claim. */
  readonly #prefetch: number;
  readonly #handoffLimit: number;
  readonly #jobs = createHeldJobs();
  /** Jobs running. */
  readonly #active = new Set<Promise<void>>();
  /** Records of finished jobs not yet committed, by message id: each holds its job's slot. */
  readonly #writes = new Map<string, Promise<void>>();
  readonly #leases: LeaseKeeper;
  #running = false;
  #inflight = 0;
  #claiming = false;
  #timer: NodeJS.Timeout | null = null;
  #wakeQueued = false;
  #lastTickAt = 0;
  /** Hand-off leases given out whose messages are not stored yet. */
  #reserved = 0;
  // True while due rows may be waiting in the outbox: hand-offs pause then, so messages are
  // delivered in the order they were accepted. Cleared by a claim that finds fewer rows than asked.
  #backlog = true;

  constructor(options: SchedulerOptions) {
    this.#store = options.store;
    this.#log = options.log;
    this.#now = options.now;
    this.#handlers = options.handlers;
    this.#housekeeping = options.housekeeping ?? (() => Promise.resolve());
    this.#concurrency = options.concurrency ?? 32;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#notified = typeof options.store.onWork === 'function';
    this.#pollMs = options.pollMs ?? (this.#notified ? NOTIFIED_POLL_MS : 250);
    this.#onClaim = options.onClaim;
    this.#prefetch = this.#concurrency;
    this.#handoffLimit = Math.max(this.#concurrency * 8, 256);
    this.#leases = createLeaseKeeper({ store: this.#store, log: this.#log, now: this.#now, leaseMs: this.#leaseMs });
  }

  get running(): boolean {
    return this.#running;
  }

  get lastTickAt(): number {
    return this.#lastTickAt;
  }

  get inFlight(): number {
    return this.#inflight;
  }

  get waiting(): number {
    return this.#jobs.waiting;
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    // Rows other relays store (no hand-off to this process) and retries they record wake it at once.
    this.#unsubscribe = this.#store.onWork?.(() => this.wake()) ?? null;
    this.wake();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    // Jobs not started yet (hand-offs, prefetched rows) go back to the outbox at once, not after their lease.
    const waiting = this.#jobs.drain();
    if (waiting.length > 0) await this.#store.outbox.release(waiting);
    await Promise.allSettled([...this.#active]);
    await Promise.allSettled([...this.#writes.values()]);
    await this.#housekeeping.stop?.();
  }

  wake(): void {
    if (!this.#running || this.#wakeQueued) return;
    this.#wakeQueued = true;
    setImmediate(() => {
      this.#wakeQueued = false;
      void this.#tick();
    });
  }

  async runOnce(): Promise<number> {
    const jobs = await this.#store.outbox.claim(this.#now(), this.#concurrency, this.#leaseMs, this.#owner);
    await Promise.all(jobs.map((job) => this.#launch(job)));
    await Promise.allSettled([...this.#writes.values()]);
    return jobs.length;
  }

  reserve(dueAt: number): OutboxLease | null {
    const at = this.#now();
    if (!this.#running || this.#backlog || dueAt > at || this.#jobs.waiting + this.#reserved >= this.#handoffLimit)
      return null;
    this.#reserved++;
    return { owner: this.#owner, until: at + this.#leaseMs };
  }

  stored(message: Message, lease: OutboxLease | null): void {
    if (!lease) {
      this.#backlog = true;
      return this.wake();
    }
    this.#reserved--;
    const job: ClaimedJob = {
      messageId: message.id,
      attempts: 1,
      leaseUntil: lease.until,
      owner: this.#owner,
      kind: 'send',
      message,
      callback: message.callbackUrl != null,
    };
    if (!this.#running) {
      this.#store.outbox
        .release([job])
        .catch((error: unknown) =>
          this.#log.error(
            { err: error, messageId: message.id },
            'could not release a hand-off; it is sent when its lease expires',
          ),
        );
      return;
    }
    this.#jobs.push(job);
    this.wake();
  }

  unreserve(lease: OutboxLease | null): void {
    if (lease) this.#reserved--;
  }

  record(job: ClaimedJob, write: Promise<void>): void {
    const tracked: Promise<void> = write
      .catch((error: unknown) =>
        this.#log.error(
          { err: error, messageId: job.messageId },
          'could not record a delivery; the lease will expire and the message be sent again',
        ),
      )
      .finally(() => {
        if (this.#writes.get(job.messageId) === tracked) this.#writes.delete(job.messageId);
        // A retry just recorded may come due before the long safety poll: look at when.
        if (this.#notified) this.wake();
      });
    this.#writes.set(job.messageId, tracked);
  }

  #schedule(delay: number): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), delay);
    this.#timer.unref?.();
  }

  async #tick(): Promise<void> {
    this.#timer = null;
    if (!this.#running) return;
    try {
      await this.#housekeeping();
      // Stopped meanwhile: claim nothing (a stopped worker must not take rows from the others).
      if (!this.#running) return;
      let launched = this.#pump();
      const jobs = await this.#claimBatch();
      if (!this.#running) {
        if (jobs.length > 0) await this.#store.outbox.release(jobs);
        return;
      }
      this.#lastTickAt = this.#now();
      this.#recovered();
      this.#jobs.adopt(jobs);
      launched += this.#pump();
      // Finished jobs wake the loop; the poll catches retries and scheduled rows coming due.
      if (jobs.length === 0 && launched === 0) this.#schedule(await this.#idleDelay());
    } catch (error) {
      this.#failed(error);
      this.#schedule(Math.min(this.#pollMs * 4, MAX_ERROR_DELAY_MS));
    }
  }

  /**
   * How long an idle loop sleeps: the poll; with notifications (a long poll), until the earliest
   * row comes due if that is sooner. Jobs running or waiting wake the loop when they finish.
   */
  async #idleDelay(): Promise<number> {
    if (!this.#notified || this.#inflight > 0 || this.#jobs.waiting > 0) return this.#pollMs;
    const due = await this.#store.outbox.nextDue();
    if (due === null) return this.#pollMs;
    return Math.min(this.#pollMs, Math.max(due - this.#now(), MIN_WAIT_MS));
  }

  #failed(error: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#log.error({ err: error }, 'outbox claim failed; trying again until it works');
  }

  #recovered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#log.info('outbox claims work again');
  }

  async #claimBatch(): Promise<ClaimedJob[]> {
    const want = this.#concurrency - this.#inflight + this.#prefetch - this.#jobs.waiting;
    // Claim when at least a quarter of the slots' worth is wanted: one claim transaction for
    // several rows instead of one per finished job.
    if (this.#claiming || want < Math.ceil(this.#concurrency / 4)) return [];
    this.#claiming = true;
    try {
      const started = performance.now();
      const jobs = await this.#store.outbox.claim(this.#now(), want, this.#leaseMs, this.#owner);
      this.#onClaim?.((performance.now() - started) / 1000);
      if (jobs.length < want) this.#backlog = false;
      return jobs;
    } finally {
      this.#claiming = false;
    }
  }

  /** Starts waiting jobs (hand-offs and prefetched rows, oldest first) while slots are free. */
  #pump(): number {
    let launched = 0;
    while (this.#running && this.#jobs.waiting > 0 && this.#inflight < this.#concurrency) {
      void this.#launch(this.#jobs.next()!);
      launched++;
    }
    return launched;
  }

  #launch(job: ClaimedJob): Promise<void> {
    this.#inflight++;
    this.#jobs.hold(job);
    const p = this.#run(job)
      .catch((error: unknown) =>
        this.#log.error(
          { err: maskedError(error), messageId: job.messageId },
          'delivery crashed; the lease will expire and the row be retried',
        ),
      )
      .finally(() => {
        this.#inflight--;
        this.#leases.drop(job.messageId);
        this.#jobs.release(job);
        this.#active.delete(p);
        // The next job starts on the next turn, not inside this one's completion: by then the
        // provider connection this job used is back in its pool for the next to reuse.
        if (this.#running) this.wake();
      });
    this.#active.add(p);
    return p;
  }

  async #run(job: ClaimedJob): Promise<void> {
    // A hand-off that waited for a slot for half its lease gets a fresh one before it runs; if
    // another worker took it over meanwhile, it is that worker's to run.
    if (job.leaseUntil - this.#now() < this.#leaseMs / 2) {
      const until = this.#now() + this.#leaseMs;
      if (!(await this.#store.outbox.renew(job, until))) return;
      job = { ...job, leaseUntil: until };
    }
    this.#leases.keep(job);
    try {
      await this.#handlers[job.kind](job, this);
    } finally {
      // The slot is held until the job's record commits, not only until the provider answered: a
      // worker killed at any moment has at most `concurrency` messages sent but not recorded (sent
      // again once their leases expire), and a slow database slows the sends instead of letting
      // unrecorded ones pile up.
      await this.#writes.get(job.messageId);
    }
  }
}
