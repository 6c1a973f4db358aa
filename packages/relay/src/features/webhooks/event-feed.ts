import type { EventRecord, Store } from '../../store/types.js';

/** Rows one read asks for. */
const PAGE = 500;
/** Pages one `next` reads forward at most: a stream resuming far back catches up a few thousand events a turn. */
const PAGES_PER_TURN = 4;
/** Events remembered as sent while they settle: a busy project's window shrinks below `settleMs` past it. */
const WINDOW_MAX = 2000;

export interface EventFeedOptions {
  store: Pick<Store, 'webhooks'>;
  projectId: string;
  /** The `seq` to start after: the stream's `Last-Event-ID`, or the project's newest event. */
  after: number;
  /**
   * How long an event with a lower `seq` may still commit after a higher one was read. On
   * PostgreSQL, identity values are taken when a row is inserted and become visible when its
   * transaction commits, so a transaction that took 41 can commit after 42 was read; a reader that
   * only asks `seq > last` would skip 41. SQLite writes one transaction at a time: 0 there.
   */
  settleMs: number;
  /** How often the window behind the newest event is read again for late ones. @default 1000 */
  recheckMs?: number;
  /** A monotonic clock (ms): elapsed time, not the relay's clock, which tests stop. @default performance.now */
  clock?: () => number;
}

/**
 * A project's stored events, in the order they became visible, each once: what one live stream
 * (`GET /v1/events/stream`) sends. Each `next` reads forward from the newest `seq` handed out;
 * while `settleMs` is not 0, it also reads again, every `recheckMs`, from the newest `seq` that
 * has settled — handed out at least `settleMs` ago — and hands out the events it had not seen:
 * those that committed late. An event still uncommitted `settleMs` after a higher one was read is
 * not waited for (the webhooks are the at-least-once channel; a stream is a live view).
 *
 * Only `eventsAfter` reads the store, so the feed works the same on every relay sharing the
 * database, with Redis or without.
 */
export class EventFeed {
  readonly #o: EventFeedOptions;
  readonly #clock: () => number;
  /** The newest `seq` handed out (or the start). */
  #last: number;
  /** Every event at or below it was handed out or given up on. */
  #settled: number;
  /** The `seq`s handed out above `#settled`, with when, oldest first. */
  readonly #recent = new Map<number, number>();
  #checkedAt = -Infinity;

  constructor(options: EventFeedOptions) {
    this.#o = options;
    this.#clock = options.clock ?? (() => performance.now());
    this.#last = options.after;
    this.#settled = options.after;
  }

  /** The newest `seq` handed out: what a client that got everything so far resumes after. */
  get position(): number {
    return this.#last;
  }

  /** The events not handed out yet, lowest `seq` first (a late one may be lower than `position` was). */
  async next(): Promise<EventRecord[]> {
    const now = this.#clock();
    const fresh: EventRecord[] = [];
    let checked = false;
    if (this.#o.settleMs > 0 && this.#recent.size > 0 && now - this.#checkedAt >= (this.#o.recheckMs ?? 1000)) {
      // From the settled point up to what was already read: the late commits among the recent ones.
      await this.#read(this.#settled, this.#last, fresh, now);
      this.#checkedAt = now;
      checked = true;
    }
    await this.#read(this.#last, Infinity, fresh, now, PAGES_PER_TURN);
    if (checked || fresh.length > 0) this.#settle(now);
    return fresh.sort((a, b) => a.seq - b.seq);
  }

  /** Reads the events after `from` up to `until`, keeping those not handed out. */
  async #read(from: number, until: number, into: EventRecord[], now: number, maxPages = Infinity): Promise<void> {
    let after = from;
    for (let page = 0; page < maxPages && after < until; page++) {
      const rows = await this.#o.store.webhooks.eventsAfter(this.#o.projectId, after, PAGE);
      for (const event of rows) {
        if (event.seq > until) return;
        after = event.seq;
        if (event.seq <= this.#settled || this.#recent.has(event.seq)) continue;
        into.push(event);
        if (this.#o.settleMs > 0) this.#recent.set(event.seq, now);
        else this.#settled = Math.max(this.#settled, event.seq);
        this.#last = Math.max(this.#last, event.seq);
      }
      if (rows.length < PAGE) return;
    }
  }

  /** Forgets the events handed out long enough ago (or too many): nothing below them is waited for. */
  #settle(now: number): void {
    for (const [seq, at] of this.#recent) {
      if (now - at < this.#o.settleMs && this.#recent.size <= WINDOW_MAX) break;
      this.#recent.delete(seq);
      this.#settled = Math.max(this.#settled, seq);
    }
  }
}
