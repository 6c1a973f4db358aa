import { finalStatuses, type MessageStatus } from '@messagejs/shared-types';
import type { EventRecord, Message, MessageFilter, Store } from '../../store/types.js';
import { EventFeed } from '../../features/webhooks/event-feed.js';

/**
 * `messages tail`'s follower: the last messages from the history, then what the project's live
 * event stream says (the same feed as `GET /v1/events/stream`, read from the store): each message
 * stored since, once, in the order it committed, and the status changes of those it printed.
 *
 * While it runs, the tail registers the project as listened to (`event_listeners`), so the
 * triggers record the project's events even when no webhook endpoint is configured; the
 * registration runs out a minute after the tail stops renewing it. The history's filters apply to
 * each message the events name (one indexed read of the history per creation time). A message is
 * new when it is stored; under a status filter, also when it reaches a status the filter takes
 * (`--status failed` prints a message when it fails). A status change of an older message the
 * tail did not print is not news.
 */

/** How many printed messages, the newest, have their status followed until it is final. */
export const FOLLOWED = 100;
/** How many printed ids are remembered, so a message is never printed twice. */
const REMEMBERED = 10_000;
/** Rows read per statement (the history's largest page). */
const CHUNK = 200;

const isFinal = (status: MessageStatus) => (finalStatuses as readonly string[]).includes(status);

/** What the follower prints: a message first seen, or a change of the status it was printed with. */
export interface TailEvents {
  created: (m: Message) => void;
  status: (m: Message, previous: MessageStatus) => void;
}

/** Timings; tests shorten them. */
export interface TailTuning {
  /** How long one registration makes the triggers record the project's events. @default 60000 */
  listenForMs?: number;
  /** How often the registration is renewed. @default 20000 */
  renewMs?: number;
}

/** Newest first, like the history: `created_at`, then id, both descending. */
const newestFirst = (a: Message, b: Message) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Every message of `filter` created in the millisecond `at`. */
async function createdIn(store: Store, projectId: string, filter: MessageFilter, at: number): Promise<Message[]> {
  if ((filter.createdFrom ?? -Infinity) > at || (filter.createdBefore ?? Infinity) <= at) return [];
  const scoped: MessageFilter = { ...filter, createdFrom: at, createdBefore: at + 1 };
  const rows: Message[] = [];
  let page = await store.messages.page(projectId, scoped, { limit: CHUNK });
  rows.push(...page.items);
  while (page.next) {
    page = await store.messages.page(projectId, scoped, { limit: CHUNK, after: page.next });
    rows.push(...page.items);
  }
  return rows;
}

/** Those of the messages `named` that the filter takes, in the order named (once each). */
async function matching(
  store: Store,
  projectId: string,
  filter: MessageFilter,
  named: ReadonlyArray<{ id: string; createdAt: number }>,
): Promise<Message[]> {
  const found = new Map<string, Message>();
  for (const at of new Set(named.map((m) => m.createdAt))) {
    for (const m of await createdIn(store, projectId, filter, at)) found.set(m.id, m);
  }
  return [...new Set(named.map((m) => m.id))].flatMap((id) => found.get(id) ?? []);
}

/** The message an event is about, with its creation time (from the event's snapshot). */
function messageOf(event: EventRecord): { id: string; createdAt: number } | null {
  if (event.messageId === null || !event.type.startsWith('message.')) return null;
  const data = JSON.parse(event.data) as { createdAt?: unknown };
  return typeof data.createdAt === 'number' ? { id: event.messageId, createdAt: data.createdAt } : null;
}

/** A follower of one project's messages; `start` prints the last messages, each `poll` what the events say since. */
export function createFollower(
  store: Store,
  projectId: string,
  filter: MessageFilter,
  events: TailEvents,
  tuning: TailTuning = {},
) {
  const listenForMs = tuning.listenForMs ?? 60_000;
  const renewMs = tuning.renewMs ?? 20_000;
  /** Ids printed, oldest first (bounded). */
  const printed = new Set<string>();
  /** Status last printed of the newest messages not yet final, oldest first. */
  const followed = new Map<string, MessageStatus>();
  let feed: EventFeed | null = null;
  let renewedAt = -Infinity;
  const statusFiltered = (filter.statuses?.length ?? 0) > 0;

  const listen = async () => {
    await store.webhooks.listen(projectId, listenForMs);
    renewedAt = performance.now();
  };

  function print(m: Message): void {
    printed.add(m.id);
    if (printed.size > REMEMBERED) printed.delete(printed.values().next().value!);
    events.created(m);
    if (isFinal(m.status)) return;
    followed.set(m.id, m.status);
    if (followed.size > FOLLOWED) followed.delete(followed.keys().next().value!);
  }

  /** A followed message whose status moved: print it, and stop following it once final. */
  function check(m: Message): void {
    const previous = followed.get(m.id);
    if (previous === undefined || previous === m.status) return;
    events.status(m, previous);
    if (isFinal(m.status)) followed.delete(m.id);
    else followed.set(m.id, m.status);
  }

  return {
    /**
     * Registers the project as listened to, then prints the last `last` messages, oldest first.
     * The feed starts at the newest event stored before the history is read: a message stored
     * between the two reads is printed once.
     */
    async start(last: number): Promise<void> {
      await listen();
      const after = await store.webhooks.lastEventSeq(projectId);
      feed = new EventFeed({ store, projectId, after, settleMs: store.onWebhooks ? 5000 : 0 });
      const top = await store.messages.page(projectId, filter, { limit: Math.max(last, 1) });
      for (const m of top.items.sort(newestFirst).slice(0, last).reverse()) print(m);
    },

    /** Prints the messages the events since the last poll name, then the status changes. */
    async poll(): Promise<void> {
      if (!feed) throw new Error('poll before start');
      if (performance.now() - renewedAt >= renewMs) await listen();
      const fresh: Array<{ id: string; createdAt: number }> = [];
      const moved = new Set<string>();
      for (const event of await feed.next()) {
        const named = messageOf(event);
        if (!named) continue;
        if (followed.has(named.id)) moved.add(named.id);
        // A message not printed yet is new when it was just stored; under a status filter, also
        // when it reaches a status the filter takes (`--status failed` prints it when it fails).
        else if (!printed.has(named.id) && (event.type === 'message.queued' || statusFiltered)) fresh.push(named);
      }
      for (const m of await matching(store, projectId, filter, fresh)) if (!printed.has(m.id)) print(m);
      for (const id of moved) {
        const m = await store.messages.get(id);
        if (m) check(m);
      }
    },
  };
}
