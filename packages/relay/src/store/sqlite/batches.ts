import type Database from 'better-sqlite3';
import type { MessageStatus } from '@messagejs/shared-types';
import type { BatchRecord, BatchesRepo, IdempotencyRecord } from '../types/index.js';
import { createMessageWriter } from './messages.js';
import { toBatch, type BatchRow } from '../batch-rows.js';

/**
 * Bulk requests' batches (issue 16). A batch and its messages are one transaction, written the
 * way single sends are (`createMessageWriter`): their triggers record the events and leave the
 * rollups to the fold, as for any message.
 */
export function createBatchesRepo(db: Database.Database): BatchesRepo {
  const writer = createMessageWriter(db);
  const insert = db.prepare(
    `INSERT INTO batches (id, project_id, key_id, total, accepted, rejected, created_at)
     VALUES (@id, @projectId, @keyId, @total, @accepted, @rejected, @createdAt)`,
  );
  const byId = db.prepare<[string], BatchRow>('SELECT * FROM batches WHERE id = ?');
  const statuses = db.prepare<[string], { status: MessageStatus; n: number }>(
    'SELECT status, count(*) AS n FROM messages WHERE batch_id = ? GROUP BY status',
  );
  const create = db.transaction(
    (batch: BatchRecord, inputs: Parameters<BatchesRepo['create']>[1], idem: IdempotencyRecord | undefined) => {
      if (idem && !writer.writeIdempotency(idem)) return false;
      insert.run(batch);
      for (const input of inputs) {
        writer.writeMessage(input.message, input.dueAt);
        if (input.templateId) writer.countTemplateUse(input.templateId, input.message.createdAt);
      }
      return true;
    },
  );
  return {
    async create(batch, inputs, idempotency) {
      if (create.immediate(batch, inputs, idempotency)) return { ok: true };
      return { ok: false, existing: writer.readIdempotency(idempotency!.keyId, idempotency!.idempotencyKey) };
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toBatch(row) : null;
    },
    async statuses(id) {
      return Object.fromEntries(statuses.all(id).map((r) => [r.status, r.n]));
    },
  };
}
