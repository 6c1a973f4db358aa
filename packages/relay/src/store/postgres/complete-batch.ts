import type { ClaimedJob, OutboxRepo } from '../types/index.js';
import { withoutNul } from './nul-text.js';
import type { Queryable } from './queryable.js';
import { unnestInput, unnestValues, type UnnestColumn } from './unnest.js';

/** One finished delivery: its job and what `outbox.complete` was told. */
export interface Completed {
  job: ClaimedJob;
  result: Parameters<OutboxRepo['complete']>[1];
}

/** The statement's input columns: `[name, PostgreSQL type, value of one completion]`. */
const COLUMNS: ReadonlyArray<UnnestColumn<Completed>> = [
  ['message_id', 'text', (c) => c.job.messageId],
  ['owner', 'text', (c) => c.job.owner],
  ['had_provider_id', 'bigint', (c) => (c.job.message.providerMessageId === null ? 0 : 1)],
  ['channel', 'text', (c) => c.result.attempt.channel],
  ['connector_id', 'text', (c) => c.result.attempt.connectorId],
  ['connector_type', 'text', (c) => c.result.attempt.connectorType],
  ['provider_message_id', 'text', (c) => withoutNul(c.result.attempt.providerMessageId)],
  ['attempt_status', 'text', (c) => c.result.attempt.status],
  ['attempt_error_code', 'text', (c) => withoutNul(c.result.attempt.errorCode)],
  ['attempt_at', 'bigint', (c) => c.result.attempt.at],
  ['latency_ms', 'bigint', (c) => (c.result.attempt.latencyMs == null ? null : Math.round(c.result.attempt.latencyMs))],
  ['status', 'text', (c) => c.result.status],
  ['at', 'bigint', (c) => c.result.at],
];

const redacted = (column: string, secret: string) =>
  `${column} = CASE WHEN m.sensitive = 1 THEN ${secret} ELSE m.${column} END`;

/**
 * `outbox.complete` for many finished deliveries in one statement (arrays per column, `unnest`),
 * each exactly as `complete` does it alone for a delivery without a fallback check: its outbox row
 * taken under its lease (deleted), the message's earlier provider ids superseded, the attempt
 * recorded, the message updated and — now final — a secret body redacted. A job whose lease was
 * taken over changes nothing. Deliveries that schedule a fallback check go alone.
 */
export const COMPLETE_BATCH_SQL = `WITH input AS (
  ${unnestInput(COLUMNS)}
), taken AS (
  DELETE FROM outbox o USING input i WHERE o.message_id = i.message_id AND o.lease_owner = i.owner
  RETURNING o.message_id
), done AS (
  SELECT i.* FROM input i JOIN taken t ON t.message_id = i.message_id
), superseded AS (
  UPDATE message_attempts a SET superseded = 1 FROM done d
   WHERE d.had_provider_id = 1 AND a.message_id = d.message_id AND a.provider_message_id IS NOT NULL
     AND a.superseded = 0
), attempt AS (
  INSERT INTO message_attempts (message_id, channel, connector_id, connector_type, provider_message_id, status, error_code, at,
    latency_ms)
  SELECT message_id, channel, connector_id, connector_type, provider_message_id, attempt_status, attempt_error_code, attempt_at,
    latency_ms
    FROM done
)
UPDATE messages m SET status = d.status, provider_message_id = d.provider_message_id, connector_id = d.connector_id,
  channel = d.channel, error_code = NULL, error_message = NULL, updated_at = d.at, sent_at = coalesce(m.sent_at, d.at),
  delivered_at = CASE WHEN d.status IN ('delivered', 'read') THEN d.at ELSE m.delivered_at END,
  ${redacted('body', "'[redacted]'")}, ${redacted('subject', 'NULL')}, ${redacted('html', 'NULL')}
  FROM done d WHERE m.id = d.message_id`;

const NAME = 'messagejs_complete_batch';

/** Records the finished deliveries (`COMPLETE_BATCH_SQL`). */
export async function completeBatch(q: Queryable, completed: readonly Completed[]): Promise<void> {
  const values = unnestValues(COLUMNS, completed);
  await q.query(COMPLETE_BATCH_SQL, values, NAME);
}
