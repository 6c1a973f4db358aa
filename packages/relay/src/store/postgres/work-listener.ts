import pg from 'pg';
import type { StoreLogger } from './database.js';
import { OUTBOX_CHANNEL } from './messages.js';

/** The channel webhook deliveries are announced on (`NOTIFY` in the trigger of migration 6). */
export const WEBHOOKS_CHANNEL = 'messagejs_webhooks';

/** What a listener waits for: queued messages (the outbox) or webhook deliveries. */
export type WorkChannel = typeof OUTBOX_CHANNEL | typeof WEBHOOKS_CHANNEL;

/** Listeners told when another process queued work (`store.onWork`, `store.onWebhooks`). */
export interface WorkListener {
  /** Adds `listener` on `channel` (the outbox's by default); returns what removes it. The connection opens with the first listener. */
  subscribe(listener: () => void, channel?: WorkChannel): () => void;
  /** Closes the connection; no listener is called afterwards. */
  close(): Promise<void>;
}

export interface WorkListenerOptions {
  logger?: StoreLogger;
  /** @default 'messagejs-relay' */
  applicationName?: string;
  /**
   * The first wait before reconnecting after the connection dropped; it doubles up to `maxDelayMs`.
   * @default 250
   */
  minDelayMs?: number;
  /** @default 10000 */
  maxDelayMs?: number;
}

/**
 * One connection of its own running `LISTEN messagejs_outbox` and `LISTEN messagejs_webhooks`
 * (outside the pool: a pooled connection would go back to the pool and stop listening), calling
 * the listeners of the channel on each notification. When the connection drops (a server restart, a network cut) it reconnects with
 * a doubling backoff, and calls the listeners once when it is back: notifications sent meanwhile
 * were lost, and work may be waiting.
 */
export function createWorkListener(url: string, options: WorkListenerOptions = {}): WorkListener {
  return new OutboxListener(url, options);
}

class OutboxListener implements WorkListener {
  readonly #url: string;
  readonly #options: WorkListenerOptions;
  readonly #listeners = new Map<() => void, WorkChannel>();
  #client: pg.Client | null = null;
  #attempt: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #delay: number;
  #closed = false;
  // A connection failed or dropped since the last one listened: work may have come meanwhile.
  #missed = false;

  constructor(url: string, options: WorkListenerOptions) {
    this.#url = url;
    this.#options = options;
    this.#delay = options.minDelayMs ?? 250;
  }

  subscribe(listener: () => void, channel: WorkChannel = OUTBOX_CHANNEL): () => void {
    this.#listeners.set(listener, channel);
    this.#start();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#attempt;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  /** Calls the listeners of `channel`, or every listener (work may have come on both). */
  #fire(channel?: string): void {
    for (const [listener, on] of [...this.#listeners]) {
      if (channel !== undefined && on !== channel) continue;
      try {
        listener();
      } catch (error) {
        this.#options.logger?.warn({ err: error }, 'An outbox work listener threw');
      }
    }
  }

  #start(): void {
    if (this.#closed || this.#client || this.#attempt || this.#timer) return;
    this.#attempt = this.#connect().finally(() => {
      this.#attempt = null;
    });
  }

  #schedule(): void {
    if (this.#closed || this.#timer || this.#listeners.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#start();
    }, this.#delay);
    this.#timer.unref();
    this.#delay = Math.min(this.#delay * 2, this.#options.maxDelayMs ?? 10_000);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: 3000,
      keepAlive: true,
      application_name: `${this.#options.applicationName ?? 'messagejs-relay'} (listen)`,
    });
    let dropped = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      if (this.#client === client) this.#client = null;
      void client.end().catch(() => {});
      if (this.#closed) return;
      this.#options.logger?.warn({ err: error }, 'PostgreSQL: the LISTEN connection is down; reconnecting');
      this.#missed = true;
      this.#schedule();
    };
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (message) => {
      if ((message.channel === OUTBOX_CHANNEL || message.channel === WEBHOOKS_CHANNEL) && !this.#closed) {
        this.#fire(message.channel);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}; LISTEN ${WEBHOOKS_CHANNEL}`);
    } catch (error) {
      drop(error as Error);
      return;
    }
    if (dropped) return;
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#delay = this.#options.minDelayMs ?? 250;
    if (this.#missed) {
      this.#missed = false;
      this.#fire();
    }
  }
}
