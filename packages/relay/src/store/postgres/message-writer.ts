import type { IdempotencyRecord, Message } from '../types/index.js';
import { hasNul } from './nul-text.js';
import type { Queryable } from './queryable.js';

/** The channel workers `LISTEN` on: a notification says an outbox row may be due. */
export const OUTBOX_CHANNEL = 'messagejs_outbox';

// The message row, its outbox row, and the wake-up for workers in other processes (delivered on
// commit, dropped on rollback), in one round trip.
const insertMessage = `WITH m AS (
    INSERT INTO messages (id, project_id, key_id, channel, recipient, country, operator, template, subject, body, html,
      status, segments, encoding, cost_eur, cost_mad, cascade, sensitive, fallback_after_ms, created_at, updated_at,
      scheduled_at, template_version)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
    RETURNING id
  ), o AS (
    INSERT INTO outbox (message_id, due_at) SELECT id, $24 FROM m RETURNING 1
  )
  SELECT pg_notify('${OUTBOX_CHANNEL}', '') FROM o`;

const insertIdempotency = `INSERT INTO idempotency (key_id, idempotency_key, request_hash, status_code, response, created_at)
  VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`;

const selectIdempotency = 'SELECT * FROM idempotency WHERE key_id = $1 AND idempotency_key = $2';

interface IdempotencyRow {
  key_id: string;
  idempotency_key: string;
  request_hash: string;
  status_code: number;
  response: string;
  created_at: number;
}

/**
 * Inserts the message and its outbox row, due at `dueAt`, the way `createMessageWriter` in
 * ../sqlite/messages.ts does, and wakes the workers. Call inside a transaction.
 */
export async function writeMessage(q: Queryable, m: Message, dueAt: number): Promise<void> {
  await q.query(insertMessage, [
    m.id,
    m.projectId,
    m.keyId,
    m.channel,
    m.to,
    m.country,
    m.operator,
    m.template,
    m.subject,
    m.body,
    m.html,
    m.status,
    m.segments,
    m.encoding,
    m.costEur,
    m.costMad,
    m.cascade.length === 0 ? '[]' : JSON.stringify(m.cascade),
    m.sensitive ? 1 : 0,
    m.fallbackAfterMs ?? null,
    m.createdAt,
    m.updatedAt,
    m.scheduledAt,
    m.templateVersion ?? null,
    dueAt,
  ]);
}

/**
 * Stores an idempotency record; false when the (key, idempotency key) pair is taken. A concurrent
 * insert of the same pair waits for the other transaction, then counts as taken if it committed.
 */
export async function writeIdempotency(q: Queryable, record: IdempotencyRecord): Promise<boolean> {
  const { rowCount } = await q.query(insertIdempotency, [
    record.keyId,
    record.idempotencyKey,
    record.requestHash,
    record.statusCode,
    JSON.stringify(record.response),
    record.createdAt,
  ]);
  return (rowCount ?? 0) > 0;
}

/** The stored record of (key, idempotency key), or null. */
export async function readIdempotency(
  q: Queryable,
  keyId: string,
  idempotencyKey: string,
): Promise<IdempotencyRecord | null> {
  if (hasNul(keyId, idempotencyKey)) return null;
  const { rows } = await q.query<IdempotencyRow>(selectIdempotency, [keyId, idempotencyKey]);
  const r = rows[0];
  return r
    ? {
        keyId: r.key_id,
        idempotencyKey: r.idempotency_key,
        requestHash: r.request_hash,
        statusCode: r.status_code,
        response: JSON.parse(r.response) as unknown,
        createdAt: r.created_at,
      }
    : null;
}
