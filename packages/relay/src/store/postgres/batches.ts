import type { MessageStatus } from '@messagejs/shared-types';
import type { BatchesRepo } from '../types/index.js';
import { readIdempotency, writeIdempotency } from './messages.js';
import { enqueueBatch } from './enqueue-batch.js';
import { toBatch, type BatchRow } from '../batch-rows.js';
import type { PgDb } from './queryable.js';
import { hasNul } from './nul-text.js';

/** Messages per statement: each statement's arrays (and the text `pg` makes of them) stay small. */
const CHUNK = 1_000;

/** Thrown inside the transaction to roll it back when the idempotency key is taken. */
class KeyTaken extends Error {}

/**
 * Bulk requests' batches (issue 16), as on SQLite: the idempotency record, the batch and its
 * messages in one transaction, the messages written by the send path's unnest statement in chunks
 * (their statement triggers record the events and count the rollups).
 */
export function createBatchesRepo(db: PgDb): BatchesRepo {
  return {
    async create(batch, inputs, idempotency) {
      try {
        await db.tx(async (q) => {
          if (idempotency && !(await writeIdempotency(q, idempotency))) throw new KeyTaken();
          await q.query(
            `INSERT INTO batches (id, project_id, key_id, total, accepted, rejected, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [batch.id, batch.projectId, batch.keyId, batch.total, batch.accepted, batch.rejected, batch.createdAt],
          );
          for (let i = 0; i < inputs.length; i += CHUNK) await enqueueBatch(q, inputs.slice(i, i + CHUNK));
        });
        return { ok: true };
      } catch (error) {
        if (!(error instanceof KeyTaken)) throw error;
        return { ok: false, existing: (await readIdempotency(db, idempotency!.keyId, idempotency!.idempotencyKey))! };
      }
    },
    async get(id) {
      if (hasNul(id)) return null;
      const { rows } = await db.query<BatchRow>('SELECT * FROM batches WHERE id = $1', [id]);
      return rows[0] ? toBatch(rows[0]) : null;
    },
    async statuses(id) {
      if (hasNul(id)) return {};
      const { rows } = await db.query<{ status: MessageStatus; n: number }>(
        'SELECT status, count(*)::bigint AS n FROM messages WHERE batch_id = $1 GROUP BY status',
        [id],
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
  };
}
