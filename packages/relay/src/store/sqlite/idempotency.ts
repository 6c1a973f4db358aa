import type Database from 'better-sqlite3';
import type { IdempotencyRepo } from '../types/index.js';
import { toIdempotency } from './messages.js';

export function createIdempotencyRepo(db: Database.Database): IdempotencyRepo {
  const get = db.prepare('SELECT * FROM idempotency WHERE key_id = ? AND idempotency_key = ?');
  const purge = db.prepare('DELETE FROM idempotency WHERE created_at < ?');
  return {
    async get(keyId, idempotencyKey) {
      const row = get.get(keyId, idempotencyKey) as Parameters<typeof toIdempotency>[0] | undefined;
      return row ? toIdempotency(row) : null;
    },
    async purge(before) {
      return purge.run(before).changes;
    },
  };
}
