/**
 * What retention removes (`MESSAGEJS_RETENTION_DAYS`, `MESSAGEJS_AUDIT_RETENTION_DAYS`):
 * messages with their child rows, verification sessions with theirs, and audit entries. Nothing
 * else: analytics rollups and every other table keep their rows.
 */
export type RetentionTarget = 'messages' | 'verifySessions' | 'audit' | 'events';

/**
 * One batch: at most `limit` rows older than `before`, oldest first, starting at the age `from`
 * (the previous batch's `reached`, so rows a batch keeps are not read again by the next).
 */
export interface RetentionBatch {
  /** Rows created before this time (ms) are past their age. */
  before: number;
  /** Rows at or after this age (ms); 0 for the first batch. */
  from: number;
  limit: number;
}

/** What one batch did. */
export interface RetentionStep {
  /** Rows it changed or removed: fewer than the batch's `limit` means nothing is left. */
  rows: number;
  /** The age of the last row it reached (ms): the next batch's `from`; null when it reached none. */
  reached: number | null;
  /** Another process is removing old data right now (PostgreSQL): this one did nothing. */
  busy: boolean;
}

/**
 * Removal of old data, one short transaction per batch, so that sends are never held up for long
 * (`jobs/retention.ts` runs the batches and pauses between them). Messages still in the outbox
 * (queued, scheduled, being sent, awaiting a fallback check) are never touched.
 */
export interface RetentionRepo {
  /** Blanks the body, subject and html of messages past their age: their content goes first. */
  blankMessageBodies(batch: RetentionBatch): Promise<RetentionStep>;
  /** Deletes rows of `target` past their age, with their child rows (`store/retention-tables.ts`). */
  deleteOld(target: RetentionTarget, batch: RetentionBatch): Promise<RetentionStep>;
}
