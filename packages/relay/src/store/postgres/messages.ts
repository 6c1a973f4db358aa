import type {
  EnqueueInput,
  IdempotencyRecord,
  Message,
  MessageAttemptRecord,
  MessagesRepo,
  OutboxLease,
  StatusRepo,
} from '../types/index.js';
import type { MessageStatus } from '@messagejs/shared-types';
import { OPTION_COLUMNS, optionValues, toIdempotency, toMessage, type MessageRow } from '../message-rows.js';
import { statusRank } from '../status-rank.js';
import { historyPage, historyStatement } from '../message-history.js';
import { attemptsOf, EVENT_COLUMNS, callbackEvent, detailText } from '../message-event-rows.js';
import { hasNul, refusingNul, withoutNul } from './nul-text.js';
import { parameters } from './parameters.js';
import { createBatcher, type Batcher } from './batcher.js';
import { enqueueBatch, enqueueRow } from './enqueue-batch.js';
import type { PgDb, Queryable } from './queryable.js';

/** The channel workers LISTEN on: a write that makes an outbox row due notifies it (on commit). */
export const OUTBOX_CHANNEL = 'messagejs_outbox';

/** `SELECT pg_notify(…)` for the outbox channel, as a statement's last clause. */
export const notifyOutbox = `pg_notify('${OUTBOX_CHANNEL}', '')`;

const MESSAGE_COLUMNS = [
  'id',
  'project_id',
  'key_id',
  'channel',
  'recipient',
  'country',
  'operator',
  'template',
  'subject',
  'body',
  'html',
  'status',
  'segments',
  'encoding',
  'cost_eur',
  'cost_mad',
  'cascade',
  'sensitive',
  'fallback_after_ms',
  'created_at',
  'updated_at',
  'scheduled_at',
  'template_version',
  'callback_url',
  ...OPTION_COLUMNS,
].join(', ');

const messageValues = (m: Message): unknown[] => [
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
  ...optionValues(m),
];

/**
 * One statement that stores an accepted message: its idempotency record (when given) first, then —
 * only if that was new — the message, its outbox row and the template's use count, and a NOTIFY
 * of the workers unless the row is leased to the in-process worker. It returns one row when the
 * message was written, none when the idempotency key was taken.
 *
 * One statement is atomic on its own: no BEGIN/COMMIT round trips on the send path. Two relays
 * storing the same idempotency key at once: the second's `ON CONFLICT DO NOTHING` waits for the
 * first to commit, then inserts nothing, so nothing else of it is written either.
 */
export function enqueueStatement(input: EnqueueInput): { text: string; values: unknown[] } {
  const { values, param, params } = parameters();
  const m = input.message;
  const parts: string[] = [];
  const row = params(messageValues(m));
  let source = `VALUES (${row})`;
  if (input.idempotency) {
    const r = input.idempotency;
    const record = params([
      r.keyId,
      r.idempotencyKey,
      r.requestHash,
      r.statusCode,
      JSON.stringify(r.response),
      r.createdAt,
    ]);
    parts.push(
      `idem AS (INSERT INTO idempotency (key_id, idempotency_key, request_hash, status_code, response, created_at)
        VALUES (${record}) ON CONFLICT DO NOTHING RETURNING key_id)`,
    );
    source = `SELECT ${row} WHERE EXISTS (SELECT 1 FROM idem)`;
  }
  parts.push(`message AS (INSERT INTO messages (${MESSAGE_COLUMNS}) ${source} RETURNING id)`);
  const lease: Partial<OutboxLease> = input.lease ?? {};
  parts.push(
    `queued AS (INSERT INTO outbox (message_id, due_at, attempts, lease_until, lease_owner, priority)
      SELECT id, ${params([input.dueAt, input.lease ? 1 : 0, lease.until ?? 0, lease.owner ?? null, optionValues(m)[0]])} FROM message
      RETURNING message_id)`,
  );
  if (input.templateId) {
    parts.push(
      `used AS (UPDATE template_stats SET usage_count = usage_count + 1, last_used_at = greatest(last_used_at, ${param(m.createdAt)})
        WHERE template_id = ${param(input.templateId)} AND EXISTS (SELECT 1 FROM message))`,
    );
  }
  // A leased row is the in-process worker's: no other worker needs waking for it.
  const result = input.lease ? '1' : notifyOutbox;
  return { text: `WITH ${parts.join(',\n')}\nSELECT ${result} FROM queued`, values };
}

/** Stores the message and its outbox row (`enqueueStatement` without idempotency record or template). */
export async function writeMessage(q: Queryable, m: Message, dueAt: number, lease?: OutboxLease): Promise<void> {
  const { text, values } = enqueueStatement({ message: m, dueAt, lease });
  await q.query(text, values);
}

/** Stores an idempotency record; false when the (key, idempotency key) pair is already taken. */
export async function writeIdempotency(q: Queryable, record: IdempotencyRecord): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO idempotency (key_id, idempotency_key, request_hash, status_code, response, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [
      record.keyId,
      record.idempotencyKey,
      record.requestHash,
      record.statusCode,
      JSON.stringify(record.response),
      record.createdAt,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/** The stored record of (key, idempotency key), or null. */
export async function readIdempotency(
  q: Queryable,
  keyId: string,
  idempotencyKey: string,
): Promise<IdempotencyRecord | null> {
  if (hasNul(keyId, idempotencyKey)) return null;
  const { rows } = await q.query<Parameters<typeof toIdempotency>[0]>(
    'SELECT * FROM idempotency WHERE key_id = $1 AND idempotency_key = $2',
    [keyId, idempotencyKey],
  );
  return rows[0] ? toIdempotency(rows[0]) : null;
}

/** How `createMessagesRepo` writes. */
export interface MessagesRepoOptions {
  /**
   * Group commit for `enqueue` (`batcher.ts`): on the store's pool, yes; inside a unit of work,
   * no (its statements run on the unit's one client, in order).
   */
  batch?: { slots: number; maxBatch: number };
}

/** Messages and their statuses. */
/**
 * `messages.cancel`, in one statement: the outbox row taken only when it is a send not leased at
 * `at` and its message is waiting, and the message canceled (a sensitive body redacted).
 */
async function cancel(db: PgDb, id: string, at: number): Promise<boolean> {
  if (hasNul(id)) return false;
  // One statement: the row taken only when its message is waiting, and the message canceled.
  const { rows } = await db.query(
    `WITH waiting AS (
         SELECT o.message_id FROM outbox o JOIN messages m ON m.id = o.message_id
          WHERE o.message_id = $1 AND o.kind = 'send' AND o.lease_until <= $2 AND m.status IN ('queued', 'scheduled')
          FOR UPDATE OF o, m),
       taken AS (DELETE FROM outbox WHERE message_id IN (SELECT message_id FROM waiting) RETURNING message_id)
       UPDATE messages SET status = 'canceled', updated_at = $2,
         body = CASE WHEN sensitive = 1 THEN '[redacted]' ELSE body END,
         subject = CASE WHEN sensitive = 1 THEN NULL ELSE subject END,
         html = CASE WHEN sensitive = 1 THEN NULL ELSE html END
        WHERE id IN (SELECT message_id FROM taken) RETURNING id`,
    [id, at],
  );
  return rows.length > 0;
}

export function createMessagesRepo(
  db: PgDb,
  options: MessagesRepoOptions = {},
): MessagesRepo &
  StatusRepo & {
    drain(): Promise<void>;
  } {
  // A message whose text holds U+0000 (PostgreSQL's text cannot) is refused as a 400, not a 500.
  const writes = refusingNul(db);
  const alone = (input: EnqueueInput) => enqueue(writes, input);
  const batched = options.batch ? batchedEnqueue(writes, alone, options.batch) : null;
  return {
    enqueue: batched ?? alone,
    drain: () => batched?.drain() ?? Promise.resolve(),
    async get(id) {
      // No stored row holds U+0000: what SQLite would not find either.
      if (hasNul(id)) return null;
      const { rows } = await db.query<MessageRow & { lease_until: number | null }>(
        'SELECT m.*, o.lease_until FROM messages m LEFT JOIN outbox o ON o.message_id = m.id WHERE m.id = $1',
        [id],
      );
      const row = rows[0];
      return row ? { ...toMessage(row), leaseUntil: row.lease_until } : null;
    },
    async getByProviderId(connectorId, providerMessageId) {
      // Provider ids come from provider callbacks: one holding U+0000 matches nothing stored.
      if (hasNul(connectorId, providerMessageId)) return null;
      const current = await db.query<MessageRow>(
        'SELECT * FROM messages WHERE connector_id = $1 AND provider_message_id = $2 LIMIT 1',
        [connectorId, providerMessageId],
      );
      if (current.rows[0]) return toMessage(current.rows[0]);
      // An earlier provider id of the message (a failover moved it on): late callbacks still find it.
      const earlier = await db.query<MessageRow>(
        `SELECT m.* FROM message_attempts a JOIN messages m ON m.id = a.message_id
          WHERE a.connector_id = $1 AND a.provider_message_id = $2 AND a.superseded = 1 LIMIT 1`,
        [connectorId, providerMessageId],
      );
      return earlier.rows[0] ? toMessage(earlier.rows[0]) : null;
    },
    cancel: (id, at) => cancel(db, id, at),
    async attempts(id) {
      if (hasNul(id)) return [];
      const { rows } = await db.query<Record<string, unknown>>(
        'SELECT * FROM message_attempts WHERE message_id = $1 ORDER BY id',
        [id],
      );
      return rows.map((r): MessageAttemptRecord => ({
        messageId: r.message_id as string,
        channel: r.channel as MessageAttemptRecord['channel'],
        connectorId: r.connector_id as string,
        connectorType: r.connector_type as string,
        providerMessageId: r.provider_message_id as string | null,
        status: r.status as MessageStatus,
        errorCode: r.error_code as string | null,
        at: r.at as number,
      }));
    },
    async count(projectId) {
      if (projectId && hasNul(projectId)) return 0;
      const { rows } = projectId
        ? await db.query<{ n: number }>('SELECT count(*) AS n FROM messages WHERE project_id = $1', [projectId])
        : await db.query<{ n: number }>('SELECT count(*) AS n FROM messages');
      return rows[0]!.n;
    },
    async page(projectId, filter, page) {
      // Stored text holds no U+0000: a filter holding one matches nothing (the API refuses it first).
      const { template, connectorId, operator, text, to } = filter;
      const query = hasNul(projectId, page.after?.id, template, connectorId, operator, text, to && Object.values(to))
        ? null
        : historyStatement(projectId, filter, page, 'postgres');
      if (!query) return { items: [], next: null };
      // Value arrays, not 29-key objects, as on SQLite: an export reads a million rows this way.
      return historyPage(await db.arrays(query.text, query.values), page);
    },
    applyProviderStatus: (input) => applyProviderStatus(db, input),
  };
}

/**
 * Names for the few shapes of the enqueue statement (with or without idempotency record, template,
 * lease), so each connection prepares each shape once: the send path then sends only parameters,
 * and PostgreSQL neither parses nor plans the statement again.
 */
const enqueueNames = new Map<string, string>();
function enqueueName(text: string): string {
  let name = enqueueNames.get(text);
  if (!name) {
    name = `messagejs_enqueue_${enqueueNames.size + 1}`;
    enqueueNames.set(text, name);
  }
  return name;
}

/** `messages.enqueue`: one prepared statement; when the idempotency key is taken, the stored record. */
async function enqueue(db: PgDb, input: EnqueueInput): ReturnType<MessagesRepo['enqueue']> {
  const { text, values } = enqueueStatement(input);
  const name = enqueueName(text);
  // The record that took the key can vanish before it is read (purged as expired): then the key is
  // free again, and the next round stores this message.
  for (let round = 0; round < 3; round++) {
    const { rowCount } = await db.query(text, values, name);
    if ((rowCount ?? 0) > 0) return { ok: true };
    if (!input.idempotency) throw new Error('messages.enqueue: the message was not written');
    const { keyId, idempotencyKey } = input.idempotency;
    // A new statement sees what committed before it began (READ COMMITTED): the record that won.
    const existing = await readIdempotency(db, keyId, idempotencyKey);
    if (existing) return { ok: false, existing };
  }
  throw new Error('messages.enqueue: the idempotency key stayed taken by a record that cannot be read');
}

/**
 * `enqueue` through a batcher: the inputs waiting together go as one `enqueueBatch` statement.
 * An input whose idempotency key was taken is answered as `enqueue` answers it alone (the stored
 * record, or a new round when that record vanished meanwhile); one holding U+0000 is refused
 * before it can fail a batch.
 */
function batchedEnqueue(
  db: PgDb,
  alone: (input: EnqueueInput) => ReturnType<MessagesRepo['enqueue']>,
  options: { slots: number; maxBatch: number },
): Batcher<EnqueueInput, Awaited<ReturnType<MessagesRepo['enqueue']>>> {
  const batcher = createBatcher<EnqueueInput, Awaited<ReturnType<MessagesRepo['enqueue']>>>(
    async (inputs) => {
      const written = await enqueueBatch(db, inputs);
      return Promise.all(
        inputs.map((input) => (written.has(input.message.id) ? Promise.resolve({ ok: true as const }) : alone(input))),
      );
    },
    alone,
    {
      ...options,
      key: (input) =>
        input.idempotency ? `${input.idempotency.keyId}\u0000${input.idempotency.idempotencyKey}` : null,
    },
  );
  const enqueueOne = ((input: EnqueueInput) =>
    hasNul(enqueueRow(input)) ? alone(input) : batcher(input)) as typeof batcher;
  enqueueOne.drain = () => batcher.drain();
  return enqueueOne;
}

// The statuses a message may be in for `status` to apply: those ranking below it.
const below = (status: MessageStatus): MessageStatus[] =>
  (Object.keys(statusRank) as MessageStatus[]).filter((s) => statusRank[s] < statusRank[status]);

const SET_PROVIDER_STATUS = `UPDATE messages SET status = $2, error_code = coalesce($3, error_code), updated_at = $4,
       delivered_at = CASE WHEN $2 IN ('delivered', 'read') THEN coalesce(delivered_at, $4) ELSE delivered_at END
     WHERE id = $1 AND status = ANY($5)`;

/**
 * `status.applyProviderStatus`: a provider's status moves a message forward only, never back. One
 * `UPDATE` whose condition is the current status: PostgreSQL re-checks it on the row's latest
 * version when two callbacks for one message race, so the later-ranked one wins either way. With
 * a callback, the same statement records it as the message's event, applied or not (the detail
 * chosen by whether the update changed the row), on the channel of the attempt that got the
 * provider's id.
 */
async function applyProviderStatus(
  db: PgDb,
  input: Parameters<StatusRepo['applyProviderStatus']>[0],
): Promise<boolean> {
  const { messageId, status, at, callback } = input;
  if (hasNul(messageId)) return false;
  const errorCode = withoutNul(input.errorCode);
  const values: unknown[] = [messageId, status, errorCode, at, below(status)];
  if (!callback) return ((await db.query(SET_PROVIDER_STATUS, values)).rowCount ?? 0) > 0;
  const { param } = parameters(values);
  const detail = (applied: boolean) => detailText(callbackEvent({ status, errorCode }, callback, null, applied).detail);
  const [cid, pid] = [callback.connectorId, withoutNul(callback.providerMessageId)].map(param);
  const { rows } = await db.query<{ applied: boolean }>(
    `WITH msg AS (SELECT id, channel FROM messages WHERE id = $1),
     updated AS (${SET_PROVIDER_STATUS} RETURNING id),
     event AS (
       INSERT INTO message_events (${EVENT_COLUMNS})
       SELECT id, ${param(callback.receivedAt)}, 'callback',
         coalesce((SELECT a.channel FROM message_attempts a WHERE a.message_id = $1 AND a.connector_id = ${cid}
                    AND a.provider_message_id = ${pid} ORDER BY a.id DESC LIMIT 1), msg.channel),
         ${cid}, $2, $3,
         CASE WHEN EXISTS (SELECT 1 FROM updated) THEN ${param(detail(true))} ELSE ${param(detail(false))} END,
         ${attemptsOf('$1')}
       FROM msg)
     SELECT EXISTS (SELECT 1 FROM updated) AS applied`,
    values,
  );
  return rows[0]?.applied === true;
}
