import type { EnqueueInput, Message } from '../types/index.js';
import type { Queryable } from './queryable.js';
import { OPTION_COLUMNS, optionValues } from '../message-rows.js';
import { unnestInput, unnestValues, type UnnestColumn } from './unnest.js';

/** Each message's option values, built once for all its columns (a bulk request has 10,000 messages). */
const optionCache = new WeakMap<Message, unknown[]>();
function optionsOf(m: Message): unknown[] {
  let values = optionCache.get(m);
  if (!values) optionCache.set(m, (values = optionValues(m)));
  return values;
}

/** The PostgreSQL types of the option columns (issue 16). */
const OPTION_TYPES: Record<(typeof OPTION_COLUMNS)[number], string> = {
  priority: 'bigint',
  expire_at: 'bigint',
  category: 'text',
  reference: 'text',
  metadata: 'text',
  sender: 'text',
  flash: 'bigint',
  batch_id: 'text',
};

/** The enqueue statement's input columns: `[name, PostgreSQL type, value of one input]`. */
const COLUMNS: ReadonlyArray<UnnestColumn<EnqueueInput>> = [
  ['id', 'text', (i) => i.message.id],
  ['project_id', 'text', (i) => i.message.projectId],
  ['key_id', 'text', (i) => i.message.keyId],
  ['channel', 'text', (i) => i.message.channel],
  ['recipient', 'text', (i) => i.message.to],
  ['country', 'text', (i) => i.message.country],
  ['operator', 'text', (i) => i.message.operator],
  ['template', 'text', (i) => i.message.template],
  ['subject', 'text', (i) => i.message.subject],
  ['body', 'text', (i) => i.message.body],
  ['html', 'text', (i) => i.message.html],
  ['status', 'text', (i) => i.message.status],
  ['segments', 'bigint', (i) => i.message.segments],
  ['encoding', 'text', (i) => i.message.encoding],
  ['cost_eur', 'float8', (i) => i.message.costEur],
  ['cost_mad', 'float8', (i) => i.message.costMad],
  ['cascade', 'text', (i) => (i.message.cascade.length === 0 ? '[]' : JSON.stringify(i.message.cascade))],
  ['sensitive', 'bigint', (i) => (i.message.sensitive ? 1 : 0)],
  ['fallback_after_ms', 'bigint', (i) => i.message.fallbackAfterMs ?? null],
  ['created_at', 'bigint', (i) => i.message.createdAt],
  ['updated_at', 'bigint', (i) => i.message.updatedAt],
  ['scheduled_at', 'bigint', (i) => i.message.scheduledAt],
  ['template_version', 'bigint', (i) => i.message.templateVersion ?? null],
  ['callback_url', 'text', (i) => i.message.callbackUrl ?? null],
  ...OPTION_COLUMNS.map((name, n): UnnestColumn<EnqueueInput> => [
    name,
    OPTION_TYPES[name],
    (i) => optionsOf(i.message)[n],
  ]),
  ['idem_key_id', 'text', (i) => i.idempotency?.keyId ?? null],
  ['idem_key', 'text', (i) => i.idempotency?.idempotencyKey ?? null],
  ['idem_hash', 'text', (i) => i.idempotency?.requestHash ?? null],
  ['idem_status', 'bigint', (i) => i.idempotency?.statusCode ?? null],
  ['idem_response', 'text', (i) => (i.idempotency ? JSON.stringify(i.idempotency.response) : null)],
  ['idem_created_at', 'bigint', (i) => i.idempotency?.createdAt ?? null],
  ['due_at', 'bigint', (i) => i.dueAt],
  ['leased', 'bigint', (i) => (i.lease ? 1 : 0)],
  ['lease_until', 'bigint', (i) => i.lease?.until ?? 0],
  ['lease_owner', 'text', (i) => i.lease?.owner ?? null],
  ['template_id', 'text', (i) => i.templateId ?? null],
];

/** The first columns are the message's, named as in `messages`. */
const MESSAGE = COLUMNS.slice(0, 24 + OPTION_COLUMNS.length).map(([name]) => name);
const MESSAGE_COLUMNS = MESSAGE.join(', ');
const SELECTED = MESSAGE.map((name) => `i.${name}`).join(', ');

/**
 * `messages.enqueue` for many messages in one statement: the inputs go as one array per column
 * (`unnest`), so the text — and its prepared plan — is the same for any number of them. Per
 * input, exactly what `enqueueStatement` does for one: the idempotency record first (when given),
 * then, only if it was new, the message, its outbox row and its template's use count; a NOTIFY of
 * the workers for rows not leased to the in-process worker. It returns the ids it wrote.
 *
 * The caller keeps two inputs with one idempotency key out of the same batch: both would find
 * the record the statement inserted.
 */
export const ENQUEUE_BATCH_SQL = `WITH input AS (
  ${unnestInput(COLUMNS)}
), idem AS (
  INSERT INTO idempotency (key_id, idempotency_key, request_hash, status_code, response, created_at)
  SELECT idem_key_id, idem_key, idem_hash, idem_status, idem_response, idem_created_at FROM input
   WHERE idem_key IS NOT NULL
  ON CONFLICT DO NOTHING RETURNING key_id, idempotency_key
), message AS (
  INSERT INTO messages (${MESSAGE_COLUMNS})
  SELECT ${SELECTED} FROM input i
   WHERE i.idem_key IS NULL
      OR EXISTS (SELECT 1 FROM idem d WHERE d.key_id = i.idem_key_id AND d.idempotency_key = i.idem_key)
  RETURNING id
), queued AS (
  INSERT INTO outbox (message_id, due_at, attempts, lease_until, lease_owner, priority)
  SELECT i.id, i.due_at, i.leased, i.lease_until, i.lease_owner, i.priority FROM input i JOIN message m ON m.id = i.id
  RETURNING message_id, lease_owner
), used AS (
  UPDATE template_stats t SET usage_count = t.usage_count + u.n, last_used_at = greatest(t.last_used_at, u.last)
    FROM (SELECT i.template_id, count(*) AS n, max(i.created_at) AS last
            FROM input i JOIN message m ON m.id = i.id WHERE i.template_id IS NOT NULL GROUP BY i.template_id) u
   WHERE t.template_id = u.template_id
)
SELECT q.message_id AS id,
       CASE WHEN q.lease_owner IS NULL THEN pg_notify('messagejs_outbox', '') END AS notified
  FROM queued q`;

const NAME = 'messagejs_enqueue_batch';

/** One input's values, in the statement's column order. */
export const enqueueRow = (input: EnqueueInput): unknown[] => COLUMNS.map(([, , value]) => value(input));

/** Runs the batch statement; the set of message ids it stored (the others' idempotency keys were taken). */
export async function enqueueBatch(q: Queryable, inputs: readonly EnqueueInput[]): Promise<Set<string>> {
  const values = unnestValues(COLUMNS, inputs);
  const { rows } = await q.query<{ id: string }>(ENQUEUE_BATCH_SQL, values, NAME);
  return new Set(rows.map((r) => r.id));
}
