import type { RetentionTarget } from './types/index.js';

/** A table whose old rows retention removes, and the tables whose rows go with each of them. */
export interface RetentionTable {
  table: string;
  /** Its primary key. */
  id: string;
  /** The column holding each row's age (ms since epoch), indexed across projects for this scan. */
  age: string;
  /** Rows kept whatever their age: a condition on the row `r`, given how `before` is written. */
  keep?: (before: string) => string;
  /**
   * Tables whose rows belong to one of its rows, each by the column naming that row's id. They
   * are deleted explicitly, in this order, before the row itself: not left to `ON DELETE CASCADE`,
   * so a table added without one is neither orphaned nor in the way.
   */
  children: ReadonlyArray<{ table: string; column: string }>;
}

/**
 * Every table retention removes rows of, with its child tables: the one place to list them. A
 * new table of message rows (events, say) is one more line in `messages.children`. Tables not
 * named here (analytics rollups, template counts, every other) keep their rows.
 */
export const retentionTables: Readonly<Record<RetentionTarget, RetentionTable>> = Object.freeze({
  messages: {
    table: 'messages',
    id: 'id',
    age: 'created_at',
    // Still to be sent (queued, scheduled, being sent) or awaiting a fallback check.
    keep: () => 'EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = r.id)',
    children: [
      { table: 'message_attempts', column: 'message_id' },
      { table: 'message_events', column: 'message_id' },
    ],
  },
  verifySessions: {
    table: 'verify_sessions',
    id: 'id',
    age: 'created_at',
    // A session whose code is still good (resent over days) outlives its age until the code runs out.
    keep: (before) => `r.expires_at >= ${before}`,
    children: [{ table: 'verify_sends', column: 'session_id' }],
  },
  audit: { table: 'audit', id: 'id', age: 'at', children: [] },
  // The event log (webhooks, the live stream): an event goes with its deliveries (their attempts
  // follow by ON DELETE CASCADE), unless one is still to be delivered.
  events: {
    table: 'events',
    id: 'seq',
    age: 'created_at',
    keep: () => "EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = r.seq AND d.status = 'pending')",
    children: [{ table: 'webhook_deliveries', column: 'event_seq' }],
  },
});

/** A message's content, which goes before its row: what is blanked, and which rows still hold some. */
export const messageContent = {
  set: "body = '', subject = NULL, html = NULL",
  held: "(r.body <> '' OR r.subject IS NOT NULL OR r.html IS NOT NULL)",
} as const;

/** How a backend writes the statements below. */
export interface Dialect {
  /** The batch's bounds as parameters (`before` may appear twice). */
  from: string;
  before: string;
  limit: string;
  /** What follows a column to test it against the batch's ids, given as one parameter. */
  inIds: string;
  /** What makes the select skip rows another transaction holds (PostgreSQL), else ''. */
  lock: string;
}

export const dialects: Readonly<Record<'sqlite' | 'postgres', Dialect>> = Object.freeze({
  // The ids as a JSON array on SQLite, an array on PostgreSQL.
  sqlite: { from: '@from', before: '@before', limit: '@limit', inIds: 'IN (SELECT value FROM json_each(?))', lock: '' },
  postgres: { from: '$1', before: '$2', limit: '$3', inIds: '= ANY($1)', lock: 'FOR UPDATE SKIP LOCKED' },
});

/**
 * The select of one batch of `t`: its rows' ids and ages, oldest first, past their age and not
 * kept (and matching `where`, when given), read through the index on the age column.
 */
export function selectBatchSql(t: RetentionTable, d: Dialect, where?: string): string {
  const conditions = [`r.${t.age} >= ${d.from}`, `r.${t.age} < ${d.before}`];
  if (t.keep) conditions.push(`NOT ${t.keep(d.before)}`);
  if (where) conditions.push(where);
  return `SELECT r.${t.id} AS id, r.${t.age} AS age FROM ${t.table} r WHERE ${conditions.join(' AND ')}
    ORDER BY r.${t.age} LIMIT ${d.limit} ${d.lock}`;
}

/** The deletes of one batch of `t`, given its ids: child tables first, in their order, then its rows. */
export function deleteBatchSql(t: RetentionTable, d: Dialect): string[] {
  return [
    ...t.children.map((child) => `DELETE FROM ${child.table} WHERE ${child.column} ${d.inIds}`),
    `DELETE FROM ${t.table} WHERE ${t.id} ${d.inIds}`,
  ];
}

/** The update that blanks the content of one batch of messages, given its ids. */
export function blankBatchSql(d: Dialect): string {
  return `UPDATE messages SET ${messageContent.set} WHERE id ${d.inIds}`;
}
