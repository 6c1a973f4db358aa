/**
 * The event log (issue 15): what the triggers of SQLite migrations 016–017 and PostgreSQL
 * migrations 006–007 write into `events` when a message, a verification or an opt-out changes, or
 * an inbound message is stored, in the transaction that writes it, and the webhook deliveries they
 * fan out to. Events are recorded for a project only while someone listens: it has an active
 * webhook endpoint, a live stream (`GET /v1/events/stream`) registered in `event_listeners` until
 * a time, or — for a message's own events — the message carries a `callbackUrl`. A project that
 * listens to nothing pays two indexed lookups per write, and stores no event.
 *
 * An event's `data` is a snapshot of the row that caused it, as JSON with the database's own
 * column values (times in ms since the epoch); `features/webhooks/event-payload.ts` turns it into
 * the public payload when it is delivered, so every attempt and every replay sends the same bytes.
 *
 * The field lists below are written into the triggers: a field added here needs a migration.
 */

/** The message fields of a message event's snapshot: [snapshot name, column]. */
export const messageSnapshotFields: readonly (readonly [string, string])[] = Object.freeze([
  ['id', 'id'],
  ['status', 'status'],
  ['channel', 'channel'],
  ['to', 'recipient'],
  ['country', 'country'],
  ['template', 'template'],
  ['keyId', 'key_id'],
  ['connectorId', 'connector_id'],
  ['providerMessageId', 'provider_message_id'],
  ['errorCode', 'error_code'],
  ['errorMessage', 'error_message'],
  ['segments', 'segments'],
  ['costEur', 'cost_eur'],
  ['costMad', 'cost_mad'],
  ['createdAt', 'created_at'],
  ['updatedAt', 'updated_at'],
  ['sentAt', 'sent_at'],
  ['deliveredAt', 'delivered_at'],
]);

/**
 * What SQLite migration 020 and PostgreSQL migration 9 (issue 16) add to a message event's
 * snapshot, after `messageSnapshotFields`: the caller's `reference` and `metadata` (a JSON object
 * in its column, added as JSON), read off row `r`.
 */
export function messageSnapshotOptions(
  dialect: 'sqlite' | 'postgres',
  r: string,
): readonly (readonly [string, string])[] {
  return [
    ['reference', `${r}.reference`],
    ['metadata', dialect === 'sqlite' ? `json(${r}.metadata)` : `${r}.metadata::json`],
  ];
}

/** The verification fields of a verify event's snapshot. */
export const verifySnapshotFields: readonly (readonly [string, string])[] = Object.freeze([
  ['id', 'id'],
  ['status', 'status'],
  ['channel', 'channel'],
  ['to', 'recipient'],
  ['attempts', 'attempts'],
  ['maxAttempts', 'max_attempts'],
  ['sends', 'sends'],
  ['expiresAt', 'expires_at'],
  ['verifiedAt', 'verified_at'],
  ['createdAt', 'created_at'],
]);

/** The opt-out fields of an opt-out event's snapshot. */
export const optOutSnapshotFields: readonly (readonly [string, string])[] = Object.freeze([
  ['address', 'address'],
  ['source', 'source'],
  ['reason', 'reason'],
  ['createdAt', 'created_at'],
]);

/**
 * The inbound message fields of an `inbound.received` snapshot (SQLite migration 017, PostgreSQL
 * 007); `media`, a JSON array in its column, is added as JSON by each trigger.
 */
export const inboundSnapshotFields: readonly (readonly [string, string])[] = Object.freeze([
  ['id', 'id'],
  ['connectorId', 'connector_id'],
  ['channel', 'channel'],
  ['from', 'sender'],
  ['to', 'recipient'],
  ['text', 'body'],
  ['senderName', 'sender_name'],
  ['userId', 'user_id'],
  ['keyword', 'keyword'],
  ['autoReply', 'auto_reply'],
  ['replyMessageId', 'reply_message_id'],
  ['providerMessageId', 'provider_message_id'],
  ['receivedAt', 'received_at'],
  ['sentAt', 'sent_at'],
  ['processingMs', 'processing_ms'],
]);

/** The message statuses that raise `message.<status>` when a message reaches them. */
export const messageEventStatuses: readonly string[] = Object.freeze([
  'sent',
  'delivered',
  'read',
  'failed',
  'undelivered',
  'expired',
  'canceled',
]);

/** The database's clock in ms since the epoch: what `event_listeners.until` is compared with. */
export const dbNowMs = {
  sqlite: `CAST(unixepoch('subsec') * 1000 AS INTEGER)`,
  postgres: `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`,
} as const;

/**
 * True while the project of row `r` has a listener: an active endpoint, a live stream, or (with
 * `callback`) the message row's own callback URL.
 */
export function listeningSql(dialect: 'sqlite' | 'postgres', r: string, callback = false): string {
  const own = callback ? `${r}.callback_url IS NOT NULL OR ` : '';
  return `(${own}EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.project_id = ${r}.project_id AND w.active = 1)
    OR EXISTS (SELECT 1 FROM event_listeners l WHERE l.project_id = ${r}.project_id AND l.until > ${dbNowMs[dialect]}))`;
}

/** A JSON object of `fields` read off row `r`, in SQLite (`json_object`) or PostgreSQL (`json_build_object`). */
export function snapshot(
  dialect: 'sqlite' | 'postgres',
  r: string,
  fields: readonly (readonly [string, string])[],
  extra: readonly (readonly [string, string])[] = [],
): string {
  const pairs = [...fields.map(([name, column]) => [name, `${r}.${column}`] as const), ...extra]
    .map(([name, expr]) => `'${name}', ${expr}`)
    .join(', ');
  return dialect === 'sqlite' ? `json_object(${pairs})` : `json_build_object(${pairs})::text`;
}

/** A new event id (`evt_` and 24 hex digits) made by the database. */
export const eventIdSql = {
  sqlite: `'evt_' || lower(hex(randomblob(12)))`,
  postgres: `'evt_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 24)`,
} as const;

/**
 * Webhook retry schedule: the delay before attempt n + 1 after n failures (ms), jittered by
 * ±20 % when used. Eight attempts over about 28 hours (the issue: at least 24 h), as Standard
 * Webhooks' reference schedule.
 */
export const webhookRetryDelaysMs: readonly number[] = Object.freeze([
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
]);
