import type { ClaimedJob, MessageAttemptRecord, OutboxRepo, OutboxStats } from '../types/index.js';
import { toMessage, type MessageRow } from '../message-rows.js';
import { notifyOutbox } from './messages.js';
import { withoutNul } from './nul-text.js';
import { parameters } from './parameters.js';
import { createBatcher } from './batcher.js';
import { completeBatch, type Completed } from './complete-batch.js';
import { eventStep } from './message-events.js';
import type { PgDb } from './queryable.js';

/**
 * The outbox on PostgreSQL. Every write is one statement — atomic on its own, one round trip —
 * whose first step takes the row under the job's lease (`… WHERE lease_owner = $owner`): a
 * worker whose lease was taken over changes nothing, and the rest of the statement reads what
 * that step returned. Writes that make a row due NOTIFY the workers (`onWork`), delivered when
 * they commit. Many workers share one database: `claim` skips rows another claimer has locked.
 * What providers said (ids, error codes and messages) is stored with U+0000 replaced (`withoutNul`).
 */
export function createOutboxRepo(
  db: PgDb,
  options: { batch?: { slots: number; maxBatch: number } } = {},
): OutboxRepo & { drain: () => Promise<void> } {
  const alone = ({ job, result }: Completed) => complete(db, job, result);
  // Group commit (`batcher.ts`) for the records of finished deliveries, on the store's pool: those
  // that finish while one statement runs go together in the next.
  const batched = options.batch
    ? createBatcher<Completed, void>(
        (items) => completeBatch(db, items).then(() => items.map(() => undefined)),
        alone,
        {
          ...options.batch,
          key: (c) => c.job.messageId,
        },
      )
    : null;
  return {
    claim: (now, limit, leaseMs, owner) => claim(db, now, limit, leaseMs, owner),
    complete: (job, result) =>
      batched && result.fallbackAt === undefined ? batched({ job, result }) : alone({ job, result }),
    drain: () => batched?.drain() ?? Promise.resolve(),
    async finish(job) {
      await db.query(
        `WITH taken AS (DELETE FROM outbox WHERE message_id = $1 AND lease_owner = $2 RETURNING message_id)
         UPDATE messages SET ${REDACT} WHERE id IN (SELECT message_id FROM taken) AND sensitive = 1`,
        [job.messageId, job.owner],
      );
    },
    async expedite(messageId, at) {
      await db.query(
        `WITH expedited AS (
           UPDATE outbox SET due_at = least(due_at, $1) WHERE message_id = $2 AND kind = 'fallback_check' RETURNING 1)
         SELECT ${notifyOutbox} FROM expedited`,
        [at, messageId],
      );
    },
    retry: (job, result) => retry(db, job, result),
    fail: (job, result) => fail(db, job, result),
    async renew(job, until) {
      const { rowCount } = await db.query(
        'UPDATE outbox SET lease_until = $1 WHERE message_id = $2 AND lease_owner = $3',
        [until, job.messageId, job.owner],
      );
      return (rowCount ?? 0) > 0;
    },
    async defer(job, dueAt) {
      await db.query(
        `UPDATE outbox SET due_at = $1, lease_until = 0, lease_owner = NULL, attempts = greatest(attempts - 1, 0)
          WHERE message_id = $2 AND lease_owner = $3`,
        [dueAt, job.messageId, job.owner],
      );
    },
    async release(jobs) {
      if (jobs.length === 0) return;
      await db.query(
        `WITH released AS (
           UPDATE outbox o SET lease_until = 0, lease_owner = NULL, attempts = greatest(o.attempts - 1, 0)
             FROM unnest($1::text[], $2::text[]) AS r(message_id, owner)
            WHERE o.message_id = r.message_id AND o.lease_owner = r.owner
           RETURNING 1)
         SELECT ${notifyOutbox} FROM released LIMIT 1`,
        [jobs.map((j) => j.messageId), jobs.map((j) => j.owner)],
      );
    },
    async pending() {
      const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM outbox');
      return rows[0]!.n;
    },
    async nextDue() {
      const { rows } = await db.query<{ t: number | null }>(
        'SELECT min(greatest(due_at, lease_until)) AS t FROM outbox',
      );
      return rows[0]?.t ?? null;
    },
    stats: (now) => outboxStats(db, now),
  };
}

/** `outbox.stats`: as on SQLite (`sqlite/outbox.ts`), the index only; a due row waits from when it became claimable. */
async function outboxStats(db: PgDb, now: number): Promise<OutboxStats> {
  const { rows } = await db.query<OutboxStats>(
    `SELECT count(*) FILTER (WHERE lease_until > $1) AS leased,
       count(*) FILTER (WHERE lease_until <= $1 AND due_at <= $1) AS due,
       count(*) FILTER (WHERE lease_until <= $1 AND due_at > $1) AS later,
       min(greatest(due_at, lease_until)) FILTER (WHERE lease_until <= $1 AND due_at <= $1) AS "oldestDueAt"
     FROM outbox`,
    [now],
  );
  return { ...rows[0]! };
}

// A message whose body holds a secret (a verification code, sealed) keeps it only while it may be sent.
const REDACT = "body = '[redacted]', subject = NULL, html = NULL";
const REDACT_IF_SENSITIVE =
  "body = CASE WHEN sensitive = 1 THEN '[redacted]' ELSE body END, subject = CASE WHEN sensitive = 1 THEN NULL ELSE subject END, html = CASE WHEN sensitive = 1 THEN NULL ELSE html END";

/**
 * Leases up to `limit` due rows, high priority first (issue 16), then oldest due first: one range
 * of the `(priority, due_at, lease_until)` index per priority, each read (and locked) only while
 * the limit is not reached. `FOR UPDATE SKIP LOCKED` passes over rows
 * another claimer holds at this moment, and re-checks the lease on each row it locks: two workers
 * claiming at once never get the same row. The messages keep their status (a leased row reads as
 * `sending`), as on SQLite.
 */
async function claim(db: PgDb, now: number, limit: number, leaseMs: number, owner: string): Promise<ClaimedJob[]> {
  const leaseUntil = now + leaseMs;
  const { rows } = await db.query<MessageRow & { outbox_attempts: number; outbox_kind: ClaimedJob['kind'] }>(
    `WITH due AS (
       SELECT x.message_id FROM (VALUES (0), (1), (2)) p(priority) CROSS JOIN LATERAL (
         SELECT message_id FROM outbox WHERE priority = p.priority AND due_at <= $1 AND lease_until <= $1
          ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) x
       LIMIT $2
     ), leased AS (
       UPDATE outbox o SET lease_until = $3, lease_owner = $4, attempts = o.attempts + 1
         FROM due WHERE o.message_id = due.message_id
       RETURNING o.message_id, o.attempts, o.kind, o.due_at, o.priority
     )
     SELECT m.*, l.attempts AS outbox_attempts, l.kind AS outbox_kind
       FROM leased l JOIN messages m ON m.id = l.message_id ORDER BY l.priority, l.due_at, l.message_id`,
    [now, limit, leaseUntil, owner],
  );
  return rows.map((row) => ({
    messageId: row.id,
    attempts: row.outbox_attempts,
    leaseUntil,
    owner,
    kind: row.outbox_kind,
    message: toMessage(row),
    callback: row.callback_url != null,
  }));
}

/** Parameters of the `attempt AS (INSERT … SELECT … FROM taken)` step, and the step. */
function attemptStep(a: MessageAttemptRecord, param: (value: unknown) => string): string {
  const values = [
    a.channel,
    a.connectorId,
    a.connectorType,
    withoutNul(a.providerMessageId),
    a.status,
    withoutNul(a.errorCode),
    a.at,
    a.latencyMs == null ? null : Math.round(a.latencyMs),
  ];
  return `attempt AS (
    INSERT INTO message_attempts (message_id, channel, connector_id, connector_type, provider_message_id, status, error_code, at, latency_ms)
    SELECT message_id, ${values.map(param).join(', ')} FROM taken)`;
}

type Completion = Parameters<OutboxRepo['complete']>[1];

/**
 * The attempt succeeded: the row is taken (deleted, or turned into a `fallback_check` due at
 * `fallbackAt`), the message's earlier provider ids superseded, the attempt recorded and the
 * message updated — and, once final, a secret body redacted.
 */
async function complete(db: PgDb, job: ClaimedJob, { attempt, status, at, fallbackAt }: Completion): Promise<void> {
  const values: unknown[] = [job.messageId, job.owner];
  const { param } = parameters(values);
  const steps = [
    fallbackAt === undefined
      ? 'taken AS (DELETE FROM outbox WHERE message_id = $1 AND lease_owner = $2 RETURNING message_id)'
      : `taken AS (UPDATE outbox SET kind = 'fallback_check', due_at = ${param(fallbackAt)}, attempts = 0, lease_until = 0,
           lease_owner = NULL WHERE message_id = $1 AND lease_owner = $2 RETURNING message_id)`,
  ];
  // Moving to a new provider id: the earlier ones are now only in the attempts (this statement's
  // attempt is not among the rows the step sees).
  if (job.message.providerMessageId !== null) {
    steps.push(`superseded AS (UPDATE message_attempts SET superseded = 1
      WHERE message_id IN (SELECT message_id FROM taken) AND provider_message_id IS NOT NULL AND superseded = 0)`);
  }
  steps.push(attemptStep(attempt, param));
  const [s, pid, cid, ch, t] = [
    status,
    withoutNul(attempt.providerMessageId),
    attempt.connectorId,
    attempt.channel,
    at,
  ].map(param);
  const redact = fallbackAt === undefined && job.message.sensitive ? `, ${REDACT_IF_SENSITIVE}` : '';
  await db.query(
    `WITH ${steps.join(',\n')}
     UPDATE messages SET status = ${s}, provider_message_id = ${pid}, connector_id = ${cid}, channel = ${ch},
       error_code = NULL, error_message = NULL, updated_at = ${t}, sent_at = coalesce(sent_at, ${t}),
       delivered_at = CASE WHEN ${s} IN ('delivered', 'read') THEN ${t} ELSE delivered_at END${redact}
     WHERE id IN (SELECT message_id FROM taken)
     ${fallbackAt === undefined ? '' : `RETURNING ${notifyOutbox}`}`,
    values,
  );
}

/** Try again at `dueAt`: the row is freed (due then), the attempt and event recorded, the message queued again. */
async function retry(db: PgDb, job: ClaimedJob, r: Parameters<OutboxRepo['retry']>[1]): Promise<void> {
  const values: unknown[] = [job.messageId, job.owner];
  const { param } = parameters(values);
  const steps = [
    `taken AS (UPDATE outbox SET kind = 'send', due_at = ${param(r.dueAt)}, lease_until = 0, lease_owner = NULL,
       attempts = CASE WHEN ${param(r.resetAttempts === true)}::boolean THEN 0 ELSE attempts END
     WHERE message_id = $1 AND lease_owner = $2 RETURNING message_id)`,
  ];
  if (r.attempt) steps.push(attemptStep(r.attempt, param));
  steps.push(`requeued AS (
    UPDATE messages SET status = 'queued', error_code = ${param(withoutNul(r.errorCode))}, error_message = ${param(withoutNul(r.errorMessage))},
      updated_at = ${param(r.at)}, channel = coalesce(${param(r.channel ?? null)}, channel),
      cascade = coalesce(${param(r.cascade ? JSON.stringify(r.cascade) : null)}, cascade)
    WHERE id IN (SELECT message_id FROM taken))`);
  if (r.event) steps.push(eventStep('taken', r.at, r.event, param, { withAttempt: r.attempt !== null }));
  await db.query(`WITH ${steps.join(',\n')}\nSELECT ${notifyOutbox} FROM taken`, values);
}

/** The message failed for good: the row is deleted, the attempt and event recorded, a secret body redacted. */
async function fail(db: PgDb, job: ClaimedJob, r: Parameters<OutboxRepo['fail']>[1]): Promise<void> {
  const values: unknown[] = [job.messageId, job.owner];
  const { param } = parameters(values);
  const steps = ['taken AS (DELETE FROM outbox WHERE message_id = $1 AND lease_owner = $2 RETURNING message_id)'];
  if (r.attempt) steps.push(attemptStep(r.attempt, param));
  if (r.event) steps.push(eventStep('taken', r.at, r.event, param, { withAttempt: r.attempt !== null }));
  await db.query(
    `WITH ${steps.join(',\n')}
     UPDATE messages SET status = ${param(r.status ?? 'failed')}, error_code = ${param(withoutNul(r.errorCode))}, error_message = ${param(withoutNul(r.errorMessage))},
       updated_at = ${param(r.at)}, ${REDACT_IF_SENSITIVE}
     WHERE id IN (SELECT message_id FROM taken)`,
    values,
  );
}
