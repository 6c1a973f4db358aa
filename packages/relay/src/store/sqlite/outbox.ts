import type Database from 'better-sqlite3';
import type { ClaimedJob, Message, MessageAttemptRecord, OutboxRepo, OutboxStats } from '../types/index.js';
import { createGroupCommit } from './group-commit.js';
import { messageColumns, messageFromValues, toMessage, type MessageRow } from './messages.js';
import { createMessageBatch, type MessageBatch } from './message-batch.js';
import { createEventWriter } from './message-events.js';

/**
 * The rowid of each claimed job's message, read with the claim: a completion counts its move in
 * the rollups only when the fold has counted the message (migration 019). Keyed by the job the
 * claim returned, so nothing is kept once the worker lets go of it.
 */
const rowids = new WeakMap<ClaimedJob, number>();

/** The outbox's statements, prepared once. */
function prepareOutbox(db: Database.Database) {
  return { ...prepareClaim(db), ...prepareRecording(db), ...prepareRescheduling(db), ...prepareQueueState(db) };
}

/** Claiming: the due jobs with their messages, and the lease on them. */
function prepareClaim(db: Database.Database) {
  // Value arrays, not row objects: the message's columns, then the outbox row's attempts and kind,
  // whether the message has a callback URL, and its rowid (the fold's order: migration 019).
  // Each priority's due rows in due order, high first (issue 16): one range of the outbox's
  // `(priority, due_at, lease_until)` index per priority, read only while the limit is not reached.
  const byPriority = (priority: number) =>
    `SELECT * FROM (SELECT ${messageColumns.map((c) => `m.${c}`).join(', ')}, o.attempts, o.kind,
         m.callback_url IS NOT NULL AS has_callback, m.rowid AS message_rowid
       FROM outbox o JOIN messages m ON m.id = o.message_id
       WHERE o.priority = ${priority} AND o.due_at <= @now AND o.lease_until <= @now ORDER BY o.due_at LIMIT @limit)`;
  const due = db
    .prepare<[{ now: number; limit: number }], unknown[]>(
      `${[0, 1, 2].map(byPriority).join('\n     UNION ALL ')} LIMIT @limit`,
    )
    .raw(true);
  const attemptsAt = messageColumns.length;
  // Set-based: one statement leases the batch, whatever its size. The messages keep their status:
  // a leased row reads as `sending` (messages.get), which saves a write per message.
  const lease = db.prepare<[number, string, string]>(
    `UPDATE outbox SET lease_until = ?, lease_owner = ?, attempts = attempts + 1
      WHERE message_id IN (SELECT value FROM json_each(?))`,
  );
  return { due, attemptsAt, lease };
}

/** What a delivery leaves: its attempt, the message's new status, and the outbox row taken. */
function prepareRecording(db: Database.Database) {
  // The statements run per delivery bind positionally: binding named parameters looks each one
  // up on the object, which cost more than some of the statements.
  const insertAttempt = db.prepare<
    [string, string, string, string, string | null, string, string | null, number, number | null]
  >(
    `INSERT INTO message_attempts (message_id, channel, connector_id, connector_type, provider_message_id, status, error_code, at,
       latency_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const deleteRow = db.prepare('DELETE FROM outbox WHERE message_id = ? AND lease_owner = ?');
  // The message's earlier provider ids stay findable for late callbacks (message_attempts_provider).
  const supersede = db.prepare(
    'UPDATE message_attempts SET superseded = 1 WHERE message_id = ? AND provider_message_id IS NOT NULL AND superseded = 0',
  );
  const ownsLease = db.prepare<[string, string], { n: number }>(
    'SELECT 1 AS n FROM outbox WHERE message_id = ? AND lease_owner = ?',
  );
  // Parameters: status, provider id, connector id, channel, at, at, status, at, message id, then
  // the state the batch counts the message's move from (status, channel, connector id, error code,
  // delivered at): a message that changed since it was claimed (a late status callback) is left
  // alone, read again and updated from what it is now.
  const succeed = db.prepare<
    [
      string,
      string | null,
      string,
      string,
      number,
      number,
      string,
      number,
      string,
      string,
      string,
      string | null,
      string | null,
      number | null,
    ]
  >(
    `UPDATE messages SET status = ?, provider_message_id = ?, connector_id = ?,
       channel = ?, error_code = NULL, error_message = NULL, updated_at = ?, sent_at = coalesce(sent_at, ?),
       delivered_at = CASE WHEN ? IN ('delivered', 'read') THEN ? ELSE delivered_at END
     WHERE id = ? AND status = ? AND channel = ? AND connector_id IS ? AND error_code IS ? AND delivered_at IS ?`,
  );
  const current = db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?');
  const rowidOf = db.prepare<[string], number>('SELECT rowid FROM messages WHERE id = ?').pluck();
  // A message whose body holds a secret (a verification code, sealed) keeps it only while it may be
  // sent; secure_delete (database.ts) zeroes the bytes it leaves behind.
  const redact = db.prepare(
    "UPDATE messages SET body = '[redacted]', subject = NULL, html = NULL WHERE id = ? AND sensitive = 1",
  );
  // Why a job goes on or ends (retry, failover, fallback, failure): the message's timeline.
  const writeEvent = createEventWriter(db);
  return { insertAttempt, deleteRow, supersede, ownsLease, succeed, current, rowidOf, redact, writeEvent };
}

/** A job that goes on: a fallback check, a retry or a failover, or the end of a failed message. */
function prepareRescheduling(db: Database.Database) {
  const awaitFallback = db.prepare(
    "UPDATE outbox SET kind = 'fallback_check', due_at = @dueAt, attempts = 0, lease_until = 0, lease_owner = NULL WHERE message_id = @messageId AND lease_owner = @owner",
  );
  const expedite = db.prepare(
    "UPDATE outbox SET due_at = min(due_at, ?) WHERE message_id = ? AND kind = 'fallback_check'",
  );
  const reschedule = db.prepare(
    `UPDATE outbox SET kind = 'send', due_at = @dueAt, lease_until = 0, lease_owner = NULL,
       attempts = CASE WHEN @resetAttempts THEN 0 ELSE attempts END
     WHERE message_id = @messageId AND lease_owner = @owner`,
  );
  const requeue = db.prepare(
    `UPDATE messages SET status = 'queued', error_code = @errorCode, error_message = @errorMessage, updated_at = @at,
       channel = coalesce(@channel, channel), cascade = coalesce(@cascade, cascade)
     WHERE id = @messageId`,
  );
  const failMessage = db.prepare(
    `UPDATE messages SET status = @status, error_code = @errorCode, error_message = @errorMessage, updated_at = @at WHERE id = @messageId`,
  );
  return { awaitFallback, expedite, reschedule, requeue, failMessage };
}

/** Leases kept or given back, and what the queue holds. */
function prepareQueueState(db: Database.Database) {
  const renew = db.prepare('UPDATE outbox SET lease_until = ? WHERE message_id = ? AND lease_owner = ?');
  const defer = db.prepare(
    'UPDATE outbox SET due_at = ?, lease_until = 0, lease_owner = NULL, attempts = max(attempts - 1, 0) WHERE message_id = ? AND lease_owner = ?',
  );
  const releaseLeases = db.prepare(
    'UPDATE outbox SET lease_until = 0, lease_owner = NULL, attempts = max(attempts - 1, 0) WHERE message_id IN (SELECT value FROM json_each(?)) AND lease_owner = ?',
  );
  const pending = db.prepare('SELECT count(*) AS n FROM outbox');
  const nextDue = db.prepare('SELECT min(max(due_at, lease_until)) AS t FROM outbox');
  // Reads only the `(due_at, lease_until)` index. A due row's wait starts when it became
  // claimable: its due time, or the end of a lease that ran out.
  const stats = db.prepare(
    `SELECT count(*) FILTER (WHERE lease_until > @now) AS leased,
       count(*) FILTER (WHERE lease_until <= @now AND due_at <= @now) AS due,
       count(*) FILTER (WHERE lease_until <= @now AND due_at > @now) AS later,
       min(max(due_at, lease_until)) FILTER (WHERE lease_until <= @now AND due_at <= @now) AS oldestDueAt
     FROM outbox`,
  );
  return { renew, defer, releaseLeases, pending, nextDue, stats };
}

type Completion = { job: ClaimedJob; result: Parameters<OutboxRepo['complete']>[1] };

/** The outbox's writes, run inside a transaction the caller opens. */
function outboxWrites(s: ReturnType<typeof prepareOutbox>) {
  return { claimRows: claimWrite(s), ...outcomeWrites(s) };
}

/** Claims up to `limit` due jobs for `owner`, leased until `now + leaseMs`. */
function claimWrite({ due, attemptsAt, lease }: ReturnType<typeof prepareClaim>) {
  return (now: number, limit: number, leaseMs: number, owner: string): ClaimedJob[] => {
    const rows = due.all({ now, limit });
    if (rows.length === 0) return [];
    const jobs = rows.map((row): ClaimedJob => ({
      messageId: row[0] as string,
      attempts: (row[attemptsAt] as number) + 1,
      leaseUntil: now + leaseMs,
      owner,
      kind: row[attemptsAt + 1] as ClaimedJob['kind'],
      message: messageFromValues(row),
      callback: row[attemptsAt + 2] === 1,
    }));
    rows.forEach((row, i) => rowids.set(jobs[i]!, row[attemptsAt + 3] as number));
    lease.run(now + leaseMs, owner, JSON.stringify(jobs.map((j) => j.messageId)));
    return jobs;
  };
}

/** An attempt's row (its latency rounded to the ms). */
function attemptWriter(insertAttempt: ReturnType<typeof prepareRecording>['insertAttempt']) {
  return function addAttempt(a: MessageAttemptRecord | null) {
    if (a)
      insertAttempt.run(
        a.messageId,
        a.channel,
        a.connectorId,
        a.connectorType,
        a.providerMessageId,
        a.status,
        a.errorCode,
        a.at,
        a.latencyMs == null ? null : Math.round(a.latencyMs),
      );
  };
}

/** What a completed delivery writes, inside a batch that writes its rollups and events (message-batch.ts). */
function completionWrites(s: ReturnType<typeof prepareRecording> & ReturnType<typeof prepareRescheduling>) {
  const { deleteRow, supersede, succeed, current, rowidOf, redact, awaitFallback } = s;
  const addAttempt = attemptWriter(s.insertAttempt);
  // Moves the message to the attempt's outcome, counted in `batch` from the state it was in.
  const moveMessage = (job: ClaimedJob, { attempt, status, at }: Completion['result'], batch: MessageBatch) => {
    const to = (before: Message) =>
      succeed.run(
        status,
        attempt.providerMessageId,
        attempt.connectorId,
        attempt.channel,
        at,
        at,
        status,
        at,
        job.messageId,
        before.status,
        before.channel,
        before.connectorId,
        before.errorCode,
        before.deliveredAt,
      ).changes > 0;
    let before = job.message;
    if (!to(before)) {
      const row = current.get(job.messageId);
      if (!row || !to((before = toMessage(row)))) return;
    }
    const rowid = rowids.get(job) ?? rowidOf.get(job.messageId)!;
    const delivered = status === 'delivered' || status === 'read';
    batch.changed(job.messageId, rowid, before, {
      status,
      connectorId: attempt.connectorId,
      channel: attempt.channel,
      errorCode: null,
      deliveredAt: delivered ? at : before.deliveredAt,
      // A message read again may have changed since it was claimed: its callback is not known then.
      callback: before === job.message ? (job.callback ?? null) : null,
    });
  };
  return function completeOne({ job, result }: Completion, batch: MessageBatch) {
    const { owner } = job;
    const { attempt, fallbackAt } = result;
    // Taking the row (or turning it into a fallback check) doubles as the lease check: a worker
    // whose lease was taken over changes nothing.
    const taken =
      fallbackAt !== undefined
        ? awaitFallback.run({ messageId: job.messageId, owner, dueAt: fallbackAt })
        : deleteRow.run(job.messageId, owner);
    if (taken.changes === 0) return;
    // Moving to a new provider id: the earlier ones are now only in the attempts.
    if (job.message.providerMessageId !== null) supersede.run(job.messageId);
    addAttempt(attempt);
    moveMessage(job, result, batch);
    if (fallbackAt === undefined && job.message.sensitive) redact.run(job.messageId);
  };
}

/** What the other outcomes of a delivery write: finished, retried or failed. */
function outcomeWrites(s: ReturnType<typeof prepareRecording> & ReturnType<typeof prepareRescheduling>) {
  const { deleteRow, ownsLease, redact, writeEvent } = s;
  const { requeue, reschedule, failMessage } = s;
  const addAttempt = attemptWriter(s.insertAttempt);
  // A worker whose lease expired (it stalled past leaseMs) must not overwrite what the next owner did.
  const owned = (messageId: string, owner: string) => ownsLease.get(messageId, owner) !== undefined;

  const finishOne = (job: ClaimedJob) => {
    if (deleteRow.run(job.messageId, job.owner).changes > 0) redact.run(job.messageId);
  };
  const retryOne = (job: ClaimedJob, r: Parameters<OutboxRepo['retry']>[1]) => {
    const { owner } = job;
    if (!owned(job.messageId, owner)) return;
    addAttempt(r.attempt);
    requeue.run({
      messageId: job.messageId,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      at: r.at,
      channel: r.channel ?? null,
      cascade: r.cascade ? JSON.stringify(r.cascade) : null,
    });
    reschedule.run({ messageId: job.messageId, owner, dueAt: r.dueAt, resetAttempts: r.resetAttempts ? 1 : 0 });
    if (r.event) writeEvent(job.messageId, r.at, r.event);
  };
  const failOne = (job: ClaimedJob, r: Parameters<OutboxRepo['fail']>[1]) => {
    const { owner } = job;
    if (!owned(job.messageId, owner)) return;
    addAttempt(r.attempt);
    failMessage.run({
      messageId: job.messageId,
      status: r.status ?? 'failed',
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      at: r.at,
    });
    deleteRow.run(job.messageId, owner);
    redact.run(job.messageId);
    if (r.event) writeEvent(job.messageId, r.at, r.event);
  };
  return { completeOne: completionWrites(s), finishOne, retryOne, failOne };
}

/**
 * The outbox: claims under leases, and what each delivery attempt leaves. With `direct`,
 * completions are not group-committed (a unit of work's repositories).
 */
export function createOutboxRepo(
  db: Database.Database,
  options: { completionWindowMs?: number; direct?: boolean } = {},
): OutboxRepo {
  const s = prepareOutbox(db);
  const { claimRows, completeOne, finishOne, retryOne, failOne } = outboxWrites(s);
  const claim = db.transaction(claimRows);
  const finish = db.transaction(finishOne);
  const retry = db.transaction(retryOne);
  const fail = db.transaction(failOne);
  // Deliveries that finish within 2 ms of each other are recorded in one transaction, and the
  // worker's next claim joins it: a transaction per delivery (WAL frames for every page touched)
  // would cost more than the delivery's own statements.
  // Each batch writes its rollups and events itself (message-batch.ts).
  const batched = createMessageBatch(db);
  const completeAll = (items: Completion[]) => batched((batch) => items.map((item) => completeOne(item, batch)));
  const complete = createGroupCommit(
    (items: Completion[]) => db.transaction(completeAll).immediate(items),
    (item: Completion) => db.transaction(completeAll).immediate([item])[0],
    { windowMs: options.completionWindowMs ?? 2, direct: options.direct },
  );
  const completeAndClaim = db.transaction(
    (items: Completion[], now: number, limit: number, leaseMs: number, owner: string) => ({
      results: completeAll(items),
      value: claimRows(now, limit, leaseMs, owner),
    }),
  );

  return {
    async claim(now, limit, leaseMs, owner) {
      return complete.joinWith(
        (items) => completeAndClaim.immediate(items, now, limit, leaseMs, owner),
        () => claim.immediate(now, limit, leaseMs, owner),
      );
    },
    async complete(job, result) {
      await complete({ job, result });
    },
    async finish(job) {
      finish.immediate(job);
    },
    async expedite(messageId, at) {
      s.expedite.run(at, messageId);
    },
    async retry(job, r) {
      retry.immediate(job, r);
    },
    async fail(job, r) {
      fail.immediate(job, r);
    },
    async renew(job, until) {
      return s.renew.run(until, job.messageId, job.owner).changes > 0;
    },
    async defer(job, dueAt) {
      s.defer.run(dueAt, job.messageId, job.owner);
    },
    async release(jobs) {
      const byOwner = new Map<string, string[]>();
      for (const job of jobs) byOwner.set(job.owner, [...(byOwner.get(job.owner) ?? []), job.messageId]);
      db.transaction(() => {
        for (const [owner, ids] of byOwner) s.releaseLeases.run(JSON.stringify(ids), owner);
      }).immediate();
    },
    async pending() {
      return (s.pending.get() as { n: number }).n;
    },
    async nextDue() {
      return (s.nextDue.get() as { t: number | null }).t;
    },
    async stats(now) {
      return { ...(s.stats.get({ now }) as OutboxStats) };
    },
  };
}
