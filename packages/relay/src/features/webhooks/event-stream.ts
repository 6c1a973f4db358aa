import type { Logger } from 'pino';
import { errorStatus, eventStreamQuerySchema } from '@messagejs/shared-types';
import type { EventRecord, Store } from '../../store/types.js';
import { AppError, isAppError } from '../../domain/app-error.js';
import type { Principal } from '../../domain/principal.js';
import { toValidationError } from '../../domain/validation.js';
import { projectFor } from '../projects/require-project.js';
import { EventFeed } from './event-feed.js';
import { eventPayload } from './event-payload.js';
import { isEventType } from './event-types.js';

/** Timings of live streams; tests shorten them. */
export interface EventStreamTuning {
  /** How often an open stream reads the project's new events. @default 250 */
  pollMs?: number;
  /** A `: ping` comment goes out after this long without a write, so proxies keep the connection and a dead client shows. @default 15000 */
  pingMs?: number;
  /** How long one registration makes the triggers record the project's events (`event_listeners.until`). @default 60000 */
  listenForMs?: number;
  /** How often an open stream renews its registration. @default 20000 */
  renewMs?: number;
  /** How long a lower `seq` may commit after a higher one was read (`EventFeed`). @default 5000 on PostgreSQL, 0 on SQLite */
  settleMs?: number;
  /** How often the window of unsettled events is read again. @default 1000 */
  recheckMs?: number;
  /**
   * How often an open stream checks its credential again (revoked, expired, signed out, no
   * longer allowed to see the project's history): the stream ends when it fails. @default 30000
   */
  authMs?: number;
}

/** The `retry:` a stream asks an `EventSource` to wait before it reconnects (ms). */
export const RETRY_MS = 2000;
/**
 * The least time between two reads of one stream. On PostgreSQL every write that could record
 * events (a message stored or changed, in any project) sends the NOTIFY that wakes the streams.
 */
const WAKE_GAP_MS = 50;
/** How long `close` waits for the open streams to end. */
const CLOSE_GRACE_MS = 2000;

/** Where a stream writes: `write` resolves false once the client went away, and `signal` aborts then. */
export interface EventStreamOut {
  write(chunk: string): Promise<boolean>;
  readonly signal: AbortSignal;
}

/** The request's credential resolved again (`request.adminReauthorizer()`); throws `401` once it is no longer good. */
export type Reauthorize = () => Promise<Principal>;

/** A stream checked and registered, ready to run. */
export interface OpenedStream {
  projectId: string;
  /** Checks the credential again, and that it may still read the project's history. */
  stillAllowed: () => Promise<void>;
  /** The types it sends; null for every type. */
  types: ReadonlySet<string> | null;
  /** The `seq` it starts after. */
  after: number;
  /** Writes the stream until the client goes away or the relay closes. */
  run(out: EventStreamOut): Promise<void>;
}

/** The live streams of one relay: opened by the route, all ended by `close` (`relay.close()`). */
export interface EventStreams {
  /**
   * Checks a request and registers its project as listened to: `projectId` (404 for one the
   * principal cannot see, 403 without `view_history`), `types`, and where to resume — the
   * `Last-Event-ID` header or `lastEventId` (400 `validation_failed` naming it when it is not an
   * event's id), else the project's newest event. While it runs, the stream resolves the
   * credential again with `reauthorize` every `authMs` and ends once it is refused.
   */
  open(
    principal: Principal,
    query: Record<string, string>,
    lastEventId: string | undefined,
    reauthorize: Reauthorize,
  ): Promise<OpenedStream>;
  /** Streams open now. */
  size(): number;
  /** Ends every open stream (and refuses to run new ones); resolves once they ended, or after 2 s. */
  close(): Promise<void>;
}

/** One SSE message: the stream's position as its id, the event's type and its public payload (webhooks' body). */
export function sseFrame(id: number, event: Pick<EventRecord, 'id' | 'type' | 'createdAt' | 'data'>): string {
  return `id: ${id}\nevent: ${event.type}\ndata: ${eventPayload(event)}\n\n`;
}

function parseTypes(text: string | undefined): ReadonlySet<string> | null {
  const names = (text ?? '*')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (names.length === 0 || names.includes('*')) return null;
  const unknown = names.find((t) => !isEventType(t));
  if (unknown !== undefined) {
    throw new AppError(
      'validation_failed',
      `Unknown event type ${unknown.slice(0, 64)} (see GET /v1/webhooks/event-types).`,
      { field: 'types' },
    );
  }
  return new Set(names);
}

function parseResume(header: string | undefined, query: string | undefined): number | null {
  if (header !== undefined && header.trim() !== '') {
    if (!/^\d{1,15}$/.test(header.trim())) {
      throw new AppError('validation_failed', 'Last-Event-ID must be the `id` of an event this stream sent.', {
        field: 'Last-Event-ID',
      });
    }
    return Number(header.trim());
  }
  return query === undefined ? null : Number(query);
}

/** Sleeps `ms`, or less when woken or aborted. */
function pause(ms: number, signal: AbortSignal, wakers: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      wakers.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    wakers.add(done);
  });
}

/** What one stream's loop works with. */
interface StreamContext {
  store: Store;
  logger: Logger;
  t: Required<EventStreamTuning>;
  /** Aborted when the client goes or the relay closes. */
  signal: AbortSignal;
  wakers: Set<() => void>;
}

/**
 * Whether the stream's credential still may read its project's history. A refusal (`401`, `403`,
 * `404`) ends the stream: the client's reconnection then gets that answer. Any other failure (the
 * database away) is logged and leaves the stream open until the next check.
 */
async function allowed(ctx: StreamContext, stream: OpenedStream): Promise<boolean> {
  try {
    await stream.stillAllowed();
    return true;
  } catch (error) {
    if (isAppError(error) && [401, 403, 404].includes(errorStatus[error.code])) {
      ctx.logger.info(
        { projectId: stream.projectId, code: error.code },
        'event stream ended: its credential was refused',
      );
      return false;
    }
    ctx.logger.warn(
      { err: error, projectId: stream.projectId },
      'event stream: checking its credential failed; retrying',
    );
    return true;
  }
}

/** Writes one stream until the client goes away or the relay closes. */
async function runStream(ctx: StreamContext, stream: OpenedStream, out: EventStreamOut): Promise<void> {
  const { store, logger, t, signal } = ctx;
  const feed = new EventFeed({ store, projectId: stream.projectId, after: stream.after, ...t });
  const clock = () => performance.now();
  let lastWrite = clock();
  let lastRenew = clock();
  let lastRead = clock();
  let lastAuth = clock();
  let sentId = stream.after;
  let sent = 0;
  let failing = false;
  const fail = (error: unknown, what: string) => {
    if (!failing) logger.warn({ err: error, projectId: stream.projectId }, `event stream: ${what} failed; retrying`);
    failing = true;
  };
  const write = async (chunk: string) => {
    lastWrite = clock();
    return !signal.aborted && (await out.write(chunk));
  };
  let open = await write(`retry: ${RETRY_MS}\n\n`);
  while (open && !signal.aborted) {
    let events: EventRecord[] = [];
    lastRead = clock();
    try {
      events = await feed.next();
      failing = false;
    } catch (error) {
      fail(error, 'reading events');
    }
    for (const event of events) {
      if (!open) break;
      if (stream.types && !stream.types.has(event.type)) continue;
      // A late event (a lower seq that committed after a higher one was sent) keeps the id of the
      // highest sent: `Last-Event-ID` then means "everything up to here", and a resume never sends
      // again what this stream sent.
      sentId = Math.max(sentId, event.seq);
      open = await write(sseFrame(sentId, event));
      if (open) sent++;
    }
    if (open && clock() - lastWrite >= t.pingMs) open = await write(': ping\n\n');
    if (open && clock() - lastAuth >= t.authMs) {
      lastAuth = clock();
      open = await allowed(ctx, stream);
    }
    if (open && clock() - lastRenew >= t.renewMs) {
      lastRenew = clock();
      await store.webhooks.listen(stream.projectId, t.listenForMs).catch((error) => fail(error, 'renewing'));
    }
    if (!open) break;
    await pause(t.pollMs, signal, ctx.wakers);
    const since = clock() - lastRead;
    if (since < WAKE_GAP_MS) await pause(WAKE_GAP_MS - since, signal, new Set());
  }
  logger.info({ projectId: stream.projectId, events: sent }, 'event stream closed');
}

/**
 * The live event stream (`GET /v1/events/stream`, issue 15). While a stream is open its project is
 * registered in `event_listeners` (renewed every `renewMs` for `listenForMs` past the database's
 * clock), so the triggers record the project's events even when it has no webhook endpoint; once
 * the client goes, nothing renews it and it runs out by itself. The stream reads the stored events
 * with `EventFeed` every `pollMs`: polling the shared database is what makes a stream on one relay
 * see what any other relay or worker wrote, with Redis or without, on SQLite (one data directory)
 * as on PostgreSQL. On PostgreSQL (the store has `onWebhooks`) every statement that records
 * events also sends `NOTIFY messagejs_webhooks`, which wakes the streams at once; on SQLite the
 * poll is the delay, since events are written by triggers in every write path, with no one place
 * in the process to wake from.
 */
export function createEventStreams(deps: {
  store: Store;
  logger: Logger;
  tuning?: EventStreamTuning | undefined;
}): EventStreams {
  const { store, logger } = deps;
  const t: Required<EventStreamTuning> = {
    pollMs: 250,
    pingMs: 15_000,
    listenForMs: 60_000,
    renewMs: 20_000,
    settleMs: store.onWebhooks ? 5000 : 0,
    recheckMs: 1000,
    authMs: 30_000,
    ...deps.tuning,
  };
  const closing = new AbortController();
  const running = new Set<Promise<void>>();
  const wakers = new Set<() => void>();
  let unsubscribe: (() => void) | null = null;
  const wakeAll = () => {
    for (const wake of [...wakers]) wake();
  };
  const run = (stream: OpenedStream, out: EventStreamOut) =>
    runStream({ store, logger, t, wakers, signal: AbortSignal.any([out.signal, closing.signal]) }, stream, out);

  return {
    async open(principal, query, lastEventId, reauthorize) {
      // Access first (404, then 403), as every admin route; the rest of the query after (a
      // missing projectId is refused by the schema).
      if (typeof query.projectId === 'string' && query.projectId !== '') {
        await projectFor(store, query.projectId, 'view_history', principal);
      }
      const parsed = eventStreamQuerySchema.safeParse(query);
      if (!parsed.success) throw toValidationError(parsed.error);
      const { projectId } = parsed.data;
      const types = parseTypes(parsed.data.types);
      const resume = parseResume(lastEventId, parsed.data.lastEventId);
      // Registered before the start is read: an event written after it is recorded.
      await store.webhooks.listen(projectId, t.listenForMs);
      const after = resume ?? (await store.webhooks.lastEventSeq(projectId));
      const opened: OpenedStream = {
        projectId,
        stillAllowed: async () => void (await projectFor(store, projectId, 'view_history', await reauthorize())),
        types,
        after,
        async run(out) {
          if (closing.signal.aborted) return;
          logger.info({ projectId, after, types: types && [...types] }, 'event stream opened');
          unsubscribe ??= store.onWebhooks?.(wakeAll) ?? null;
          const done = run(opened, out).finally(() => {
            running.delete(done);
            if (running.size === 0) {
              unsubscribe?.();
              unsubscribe = null;
            }
          });
          running.add(done);
          await done;
        },
      };
      return opened;
    },
    size: () => running.size,
    async close() {
      closing.abort();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)));
      await Promise.race([Promise.allSettled([...running]), grace]);
      clearTimeout(timer);
    },
  };
}
