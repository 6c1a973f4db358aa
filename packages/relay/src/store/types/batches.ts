import type { MessageStatus } from '@messagejs/shared-types';
import type { IdempotencyRecord } from './idempotency.js';
import type { EnqueueInput } from './messages.js';

/** A bulk request's batch (issue 16): how many items it had, and how many were accepted. */
export interface BatchRecord {
  id: string;
  projectId: string;
  keyId: string;
  /** Items in the request. */
  total: number;
  accepted: number;
  rejected: number;
  createdAt: number;
}

/** A bulk request's batches: written with their messages in one transaction. */
export interface BatchesRepo {
  /**
   * Writes the batch, every message of `inputs` with its outbox row (and each template's use), and
   * the request's idempotency record, in one transaction: all of it or nothing. When the
   * idempotency key is already taken, nothing is written and the stored record is returned.
   */
  create(
    batch: BatchRecord,
    inputs: readonly EnqueueInput[],
    idempotency?: IdempotencyRecord,
  ): Promise<{ ok: true } | { ok: false; existing: IdempotencyRecord }>;
  get(id: string): Promise<BatchRecord | null>;
  /** How many of the batch's messages are in each status now (those retention removed are gone). */
  statuses(id: string): Promise<Partial<Record<MessageStatus, number>>>;
}
