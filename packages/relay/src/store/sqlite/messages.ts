import type Database from 'better-sqlite3';
import type { Channel, MessageStatus } from '@messagejs/shared-types';
import type {
  IdempotencyRecord,
  Message,
  MessageAttemptRecord,
  MessagesRepo,
  OutboxLease,
  StatusRepo,
} from '../types/index.js';
import { statusRank } from '../status-rank.js';
import { createGroupCommit } from './group-commit.js';
import { OPTION_COLUMNS, toIdempotency, toMessage, type MessageRow } from '../message-rows.js';
import { priorityRank } from '../types/index.js';
import { historyPage, historyStatement } from '../message-history.js';
import { createEventWriter } from './message-events.js';
import { callbackEvent } from '../message-event-rows.js';
import { createMessageBatch, type MessageBatch } from './message-batch.js';

export { messageColumns, messageFromValues, toIdempotency, toMessage, type MessageRow } from '../message-rows.js';

/**
 * The statements that store an accepted message: the message row, its outbox row and the
 * idempotency record. Shared by every repository that accepts messages (sends, verifications),
 * so a message is written one way only. Call inside a transaction.
 */
export function createMessageWriter(db: Database.Database) {
  const insertMessage = db.prepare(
    `INSERT INTO messages (id, project_id, key_id, channel, recipient, country, operator, template, subject, body, html,
       status, segments, encoding, cost_eur, cost_mad, cascade, sensitive, fallback_after_ms, created_at, updated_at, scheduled_at,
       template_version, callback_url, ${OPTION_COLUMNS.join(', ')})
     VALUES (${'?, '.repeat(23 + OPTION_COLUMNS.length)}?)`,
  );
  // The template's narrow counter row (created with the template): a send never rewrites the template row.
  const countTemplateUse = db.prepare(
    'UPDATE template_stats SET usage_count = usage_count + 1, last_used_at = max(coalesce(last_used_at, 0), ?) WHERE template_id = ?',
  );
  const insertOutbox = db.prepare('INSERT INTO outbox (message_id, due_at, priority) VALUES (?, ?, ?)');
  const insertLeasedOutbox = db.prepare(
    'INSERT INTO outbox (message_id, due_at, attempts, lease_until, lease_owner, priority) VALUES (?, ?, 1, ?, ?, ?)',
  );
  const insertIdem = db.prepare(
    `INSERT INTO idempotency (key_id, idempotency_key, request_hash, status_code, response, created_at)
     VALUES (@keyId, @idempotencyKey, @requestHash, @statusCode, @response, @createdAt)
     ON CONFLICT DO NOTHING`,
  );
  const getIdem = db.prepare('SELECT * FROM idempotency WHERE key_id = ? AND idempotency_key = ?');
  return {
    /** Inserts the message and its outbox row, due at `dueAt` (leased for its first attempt with `lease`). */
    writeMessage(m: Message, dueAt: number, lease?: OutboxLease): void {
      const priority = m.priority ? priorityRank[m.priority] : 1;
      // Positional: binding 22 named parameters from a copy of the message cost more than the insert.
      insertMessage.run(
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
        m.callbackUrl ?? null,
        // `OPTION_COLUMNS`, in order (positional, no array per insert).
        priority,
        m.expireAt ?? null,
        m.category ?? null,
        m.reference ?? null,
        m.metadata ? JSON.stringify(m.metadata) : null,
        m.sender ?? null,
        m.flash ? 1 : 0,
        m.batchId ?? null,
      );
      if (lease) insertLeasedOutbox.run(m.id, dueAt, lease.until, lease.owner, priority);
      else insertOutbox.run(m.id, dueAt, priority);
    },
    /** Counts a send of the template `templateId` at `at`. */
    countTemplateUse(templateId: string, at: number): void {
      countTemplateUse.run(at, templateId);
    },
    /** Stores an idempotency record; false when the (key, idempotency key) pair is already taken. */
    writeIdempotency(record: IdempotencyRecord): boolean {
      return insertIdem.run({ ...record, response: JSON.stringify(record.response) }).changes > 0;
    },
    readIdempotency(keyId: string, idempotencyKey: string): IdempotencyRecord {
      return toIdempotency(getIdem.get(keyId, idempotencyKey) as Parameters<typeof toIdempotency>[0]);
    },
  };
}

/**
 * Messages and their statuses. With `direct`, enqueues are not group-committed (a unit of work's
 * repositories).
 */
export function createMessagesRepo(
  db: Database.Database,
  options: { direct?: boolean } = {},
): MessagesRepo & StatusRepo {
  const byIdWithLease = db.prepare<[string], MessageRow & { lease_until: number | null }>(
    'SELECT m.*, o.lease_until FROM messages m LEFT JOIN outbox o ON o.message_id = m.id WHERE m.id = ?',
  );
  const byProvider = db.prepare<[string, string], MessageRow>(
    'SELECT * FROM messages WHERE connector_id = ? AND provider_message_id = ? AND provider_message_id IS NOT NULL',
  );
  const byAttemptProvider = db.prepare<[string, string], MessageRow>(
    `SELECT m.* FROM message_attempts a JOIN messages m ON m.id = a.message_id
      WHERE a.connector_id = ? AND a.provider_message_id = ? AND a.superseded = 1 LIMIT 1`,
  );
  const attempts = db.prepare('SELECT * FROM message_attempts WHERE message_id = ? ORDER BY id');
  const cancel = createCancel(db);
  const countAll = db.prepare('SELECT count(*) AS n FROM messages');
  const countProject = db.prepare('SELECT count(*) AS n FROM messages WHERE project_id = ?');
  // One prepared statement per combination of filters used (a few hundred at most).
  const historyStatements = new Map<string, Database.Statement>();

  return {
    enqueue: createEnqueue(db, options.direct),
    async get(id) {
      const row = byIdWithLease.get(id);
      return row ? { ...toMessage(row), leaseUntil: row.lease_until } : null;
    },
    async getByProviderId(connectorId, providerMessageId) {
      const row =
        byProvider.get(connectorId, providerMessageId) ?? byAttemptProvider.get(connectorId, providerMessageId);
      return row ? toMessage(row) : null;
    },
    async cancel(id, at) {
      return cancel(id, at);
    },
    async attempts(id) {
      return (attempts.all(id) as Array<Record<string, unknown>>).map((r): MessageAttemptRecord => ({
        messageId: r.message_id as string,
        channel: r.channel as Channel,
        connectorId: r.connector_id as string,
        connectorType: r.connector_type as string,
        providerMessageId: r.provider_message_id as string | null,
        status: r.status as MessageStatus,
        errorCode: r.error_code as string | null,
        at: r.at as number,
      }));
    },
    async count(projectId) {
      const row = (projectId ? countProject.get(projectId) : countAll.get()) as { n: number };
      return row.n;
    },
    async page(projectId, filter, page) {
      const query = historyStatement(projectId, filter, page, 'sqlite');
      if (!query) return { items: [], next: null };
      let statement = historyStatements.get(query.text);
      if (!statement) historyStatements.set(query.text, (statement = db.prepare(query.text).raw(true)));
      // Value arrays, not 29-key objects: an export reads a million rows this way.
      const rows = statement.all(...query.values) as unknown[][];
      return historyPage(rows, page);
    },
    applyProviderStatus: createApplyProviderStatus(db),
  };
}

type EnqueueInput = Parameters<MessagesRepo['enqueue']>[0];

/** `messages.cancel`: the outbox row of a waiting message (a send not leased at `at`) taken, then the message canceled. */
function createCancel(db: Database.Database): (id: string, at: number) => boolean {
  const take = db.prepare(
    `DELETE FROM outbox WHERE message_id = @id AND kind = 'send' AND lease_until <= @at
       AND EXISTS (SELECT 1 FROM messages WHERE id = @id AND status IN ('queued', 'scheduled'))`,
  );
  const canceled = db.prepare("UPDATE messages SET status = 'canceled', updated_at = @at WHERE id = @id");
  const redact = db.prepare(
    "UPDATE messages SET body = '[redacted]', subject = NULL, html = NULL WHERE id = @id AND sensitive = 1",
  );
  const run = db.transaction((id: string, at: number) => {
    if (take.run({ id, at }).changes === 0) return false;
    canceled.run({ id, at });
    redact.run({ id });
    return true;
  });
  return (id, at) => run.immediate(id, at);
}

/** `messages.enqueue`: each accepted message in its own transaction, or group-committed unless `direct`. */
function createEnqueue(db: Database.Database, direct: boolean | undefined): MessagesRepo['enqueue'] {
  const writer = createMessageWriter(db);
  const batched = createMessageBatch(db);
  // Inside the transaction: false when the idempotency key is taken (nothing is written then).
  const write = (input: EnqueueInput, batch: MessageBatch): boolean => {
    if (input.idempotency && !writer.writeIdempotency(input.idempotency)) return false;
    writer.writeMessage(input.message, input.dueAt, input.lease);
    batch.inserted(input.message);
    if (input.templateId) writer.countTemplateUse(input.templateId, input.message.createdAt);
    return true;
  };
  const enqueue = createGroupCommit(
    (items: EnqueueInput[]) =>
      db.transaction(() => batched((batch) => items.map((item) => write(item, batch)))).immediate(),
    (item: EnqueueInput) => db.transaction(() => batched((batch) => write(item, batch))).immediate(),
    { direct },
  );
  return async (input) => {
    if (await enqueue(input)) return { ok: true };
    return {
      ok: false,
      existing: writer.readIdempotency(input.idempotency!.keyId, input.idempotency!.idempotencyKey),
    };
  };
}

/**
 * `status.applyProviderStatus`: a provider's status moves a message forward only, never back. The
 * callback, applied or not, is recorded as the message's event in the same transaction, on the
 * channel of the attempt that got the provider's id (a message that moved on keeps earlier ones).
 */
function createApplyProviderStatus(db: Database.Database): StatusRepo['applyProviderStatus'] {
  const byId = db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?');
  const setStatus = db.prepare(
    `UPDATE messages SET status = @status, error_code = coalesce(@errorCode, error_code), updated_at = @at,
       delivered_at = CASE WHEN @status IN ('delivered', 'read') THEN coalesce(delivered_at, @at) ELSE delivered_at END
     WHERE id = @messageId`,
  );
  const attemptChannel = db.prepare<[string, string, string], { channel: Channel }>(
    `SELECT channel FROM message_attempts WHERE message_id = ? AND connector_id = ? AND provider_message_id = ?
      ORDER BY id DESC LIMIT 1`,
  );
  const writeEvent = createEventWriter(db);
  return async (input) =>
    db
      .transaction(() => {
        const { messageId, status, errorCode, at, callback } = input;
        const row = byId.get(messageId);
        if (!row) return false;
        const applied = statusRank[status] > statusRank[row.status];
        if (applied) setStatus.run({ messageId, status, errorCode, at });
        if (callback) {
          const channel =
            attemptChannel.get(messageId, callback.connectorId, callback.providerMessageId)?.channel ?? row.channel;
          writeEvent(messageId, callback.receivedAt, callbackEvent(input, callback, channel, applied));
        }
        return applied;
      })
      .immediate();
}
