import type { Logger } from 'pino';
import type { SharedStatus } from '../shared-state.js';

/** What the relay logs, once, when Redis stops answering: which shared state falls back to what. */
export const DEGRADED_MESSAGE =
  'Redis does not answer: until it does, this relay counts rate limits and the login throttle in its own memory ' +
  '(N relays then allow up to N times each limit), remembers spent proof-of-work challenges on its own, ' +
  'processes a repeated Idempotency-Key without the shared lock (the database still stores it once), ' +
  'and keeps cached keys and settings until their TTL instead of forgetting them when another relay changes them; ' +
  'it keeps serving and reconnects by itself';

/** What the relay logs when it first connected. */
const CONNECTED_MESSAGE = 'Redis connected: limits, locks and cache invalidation are shared between relays';

/** What the relay logs, once, when Redis answers again. */
export const RECOVERED_MESSAGE =
  'Redis answers again: limits, locks and cache invalidation are shared between relays again';

/** A connection the health follows: what ioredis emits. */
interface Watched {
  on(event: 'ready' | 'close' | 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Whether Redis answers, as one relay sees it; logs each change of state once. */
export interface RedisHealth {
  /** `ok` when every connection is up and no command failed since the last good probe. */
  status(): SharedStatus;
  /** Follows a connection's `ready`, `close`, `end` and `error` events. */
  watch(name: string, connection: Watched): void;
  /** A command failed (timeout, refusal): the relay counts as degraded until a probe answers. */
  failed(error: unknown): void;
  /**
   * Resolves once the first connection attempts settled (up, or failed); after `timeoutMs` without
   * an answer, the relay counts as degraded.
   */
  settled(timeoutMs: number): Promise<void>;
  /** Stops probing and logging (the relay is closing). */
  close(): void;
}

type Reported = SharedStatus | 'connecting';

/**
 * Follows the connections' events and the commands' failures. While degraded, `probe` (a PING)
 * runs every `probeMs`; the first one that answers with every connection up is the recovery.
 */
export function createRedisHealth(options: {
  logger: Pick<Logger, 'warn' | 'info' | 'debug'>;
  probe: () => Promise<unknown>;
  probeMs?: number;
}): RedisHealth {
  return new HealthMonitor(options.logger, options.probe, options.probeMs ?? 1000);
}

class HealthMonitor implements RedisHealth {
  readonly #connections = new Map<string, 'pending' | 'up' | 'down'>();
  readonly #waiters: Array<() => void> = [];
  #failing = false;
  #reported: Reported = 'connecting';
  #closed = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'info' | 'debug'>,
    private readonly probe: () => Promise<unknown>,
    private readonly probeMs: number,
  ) {}

  status = (): SharedStatus => (this.#reported === 'ok' ? 'ok' : 'degraded');

  watch = (name: string, connection: Watched): void => {
    this.#connections.set(name, 'pending');
    connection.on('ready', () => {
      this.#connections.set(name, 'up');
      this.#update();
    });
    const down = (error?: Error) => {
      if (this.#closed) return;
      if (error) this.logger.debug({ err: error, connection: name }, 'Redis connection error');
      this.#connections.set(name, 'down');
      this.#update(error);
    };
    connection.on('error', down);
    connection.on('close', () => down());
    connection.on('end', () => down());
  };

  failed = (error: unknown): void => {
    if (this.#closed || this.#failing) return;
    this.#failing = true;
    this.#update(error);
  };

  settled = (timeoutMs: number): Promise<void> => {
    if (this.#reported !== 'connecting') return Promise.resolve();
    return new Promise((resolve) => {
      const wait = setTimeout(() => {
        this.failed(new Error(`Redis did not answer within ${timeoutMs} ms`));
        resolve();
      }, timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(wait);
        resolve();
      });
    });
  };

  close = (): void => {
    this.#closed = true;
    this.#stopProbing();
    for (const wake of this.#waiters.splice(0)) wake();
  };

  #current(): Reported {
    const states = [...this.#connections.values()];
    if (this.#failing || states.includes('down')) return 'degraded';
    return states.every((s) => s === 'up') ? 'ok' : 'connecting';
  }

  /** Logs a change of state once: a warning on degrading, an info line on (re)connecting. */
  #update(cause?: unknown): void {
    const next = this.#current();
    if (this.#closed || next === this.#reported || next === 'connecting') return;
    const was = this.#reported;
    this.#reported = next;
    for (const wake of this.#waiters.splice(0)) wake();
    if (next === 'degraded') {
      this.logger.warn({ err: cause }, DEGRADED_MESSAGE);
      this.#timer ??= setInterval(() => this.#probeOnce(), this.probeMs).unref();
      return;
    }
    this.#stopProbing();
    this.logger.info(was === 'connecting' ? CONNECTED_MESSAGE : RECOVERED_MESSAGE);
  }

  #probeOnce(): void {
    this.probe().then(
      () => {
        this.#failing = false;
        this.#update();
      },
      () => {},
    );
  }

  #stopProbing(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
