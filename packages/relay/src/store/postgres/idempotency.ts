import type { IdempotencyRepo } from '../types/index.js';
import { readIdempotency } from './messages.js';
import type { PgDb } from './queryable.js';

/** Stored answers for `Idempotency-Key`s (written with the message they answer, by `messages.enqueue`). */
export function createIdempotencyRepo(db: PgDb): IdempotencyRepo {
  return {
    get: (keyId, idempotencyKey) => readIdempotency(db, keyId, idempotencyKey),
    async purge(before) {
      const { rowCount } = await db.query('DELETE FROM idempotency WHERE created_at < $1', [before]);
      return rowCount ?? 0;
    },
  };
}
