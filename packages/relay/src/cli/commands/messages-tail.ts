import { finalStatuses, type MessageStatus } from '@messagejs/shared-types';
import type { Message, MessageFilter, Store } from '../../store/types.js';

/**
 * `messages tail`'s follower: the last messages, then each new one as it is stored, and the status
 * changes of those it printed, by polling the history's own query (`store.messages.page`).
 *
 * New messages are found by creation time: every poll reads the messages created since `LOOKBACK_MS`
 * before the newest one seen, and prints those it has not printed (the ids of that window are
 * kept). A watermark alone would skip a message stored a little after a newer one (its insert
 * committed later, another relay's clock a little behind) and print twice, or skip, several made in
 * one millisecond; the window catches the late ones, the ids the ties.
 */

/** How far behind the newest message seen a poll looks again for messages stored late. */
export const LOOKBACK_MS = 2000;
/** How many printed messages, the newest, have their status followed until it is final. */
export const FOLLOWED = 100;
/** Rows read per statement while walking a window (the history's largest page). */
const CHUNK = 200;

const isFinal = (status: MessageStatus) => (finalStatuses as readonly string[]).includes(status);

/** What the follower prints: a message first seen, or a change of the status it was printed with. */
export interface TailEvents {
  created: (m: Message) => void;
  status: (m: Message, previous: MessageStatus) => void;
}

/** Newest first, like the history: `created_at`, then id, both descending. */
const newestFirst = (a: Message, b: Message) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Every message of `filter` created at or after `since`, newest first, a chunk at a time. */
async function readWindow(store: Store, projectId: string, filter: MessageFilter, since: number): Promise<Message[]> {
  const from = Math.max(since, filter.createdFrom ?? -Infinity);
  const scoped: MessageFilter = Number.isFinite(from) ? { ...filter, createdFrom: from } : filter;
  const rows: Message[] = [];
  let page = await store.messages.page(projectId, scoped, { limit: CHUNK });
  rows.push(...page.items);
  while (page.next) {
    page = await store.messages.page(projectId, scoped, { limit: CHUNK, after: page.next });
    rows.push(...page.items);
  }
  return rows;
}

/** A follower of one project's history; `start` prints the last messages, each `poll` what changed since. */
export function createFollower(store: Store, projectId: string, filter: MessageFilter, events: TailEvents) {
  /** Ids of the messages printed (or skipped on purpose) created at or after `since`, with their creation time. */
  const seen = new Map<string, number>();
  /** Status last printed of the newest messages not yet final, oldest first. */
  const followed = new Map<string, MessageStatus>();
  let since = -Infinity;
  let newest = -Infinity;

  function follow(m: Message): void {
    if (isFinal(m.status)) return;
    followed.set(m.id, m.status);
    if (followed.size > FOLLOWED) followed.delete(followed.keys().next().value!);
  }

  function advance(rows: readonly Message[]): void {
    for (const m of rows) newest = Math.max(newest, m.createdAt);
    since = Math.max(since, newest - LOOKBACK_MS);
    for (const [id, createdAt] of seen) if (createdAt < since) seen.delete(id);
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
     * Prints the last `last` messages, oldest first. Every message of the window behind the newest
     * is then seen: one stored between the two reads is among the last ones printed, or older than
     * they are, never printed later as new.
     */
    async start(last: number): Promise<void> {
      const top = await store.messages.page(projectId, filter, { limit: Math.max(last, 1) });
      const existing = new Map(top.items.map((m) => [m.id, m]));
      if (top.items.length > 0) {
        advance(top.items);
        for (const m of await readWindow(store, projectId, filter, since)) {
          existing.set(m.id, m);
          seen.set(m.id, m.createdAt);
        }
        advance([...existing.values()]);
      }
      for (const m of [...existing.values()].sort(newestFirst).slice(0, last).reverse()) {
        events.created(m);
        follow(m);
      }
    },

    /** Prints the messages stored since the last poll, oldest first, then the status changes. */
    async poll(): Promise<void> {
      const rows = await readWindow(store, projectId, filter, since);
      const fresh = rows.filter((m) => !seen.has(m.id)).sort(newestFirst);
      const inWindow = new Set<string>();
      for (const m of rows) {
        inWindow.add(m.id);
        check(m);
      }
      for (const m of fresh.reverse()) {
        seen.set(m.id, m.createdAt);
        events.created(m);
        follow(m);
      }
      advance(rows);
      for (const id of [...followed.keys()]) {
        if (inWindow.has(id)) continue;
        const m = await store.messages.get(id);
        if (m) check(m);
      }
    },
  };
}
