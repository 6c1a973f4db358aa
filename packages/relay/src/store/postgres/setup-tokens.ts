import type { SetupTokensRepo } from '../types/index.js';
import { toSetupToken, type SetupTokenRow } from '../setup-token-rows.js';
import { hasNul, refusingNul } from './nul-text.js';
import type { PgDb } from './queryable.js';

/** The setup tokens on PostgreSQL; behaves as `sqlite/setup-tokens.ts`. */
export function createSetupTokensRepo(pg: PgDb): SetupTokensRepo {
  const db = refusingNul(pg);
  return {
    async replace(token) {
      await db.tx(async (q) => {
        // As SQLite's immediate transaction: two relays starting at once replace one after the
        // other, so one token stays live (without the lock each would keep its own). Reads go on.
        await q.query('LOCK TABLE setup_tokens IN EXCLUSIVE MODE');
        await q.query('DELETE FROM setup_tokens');
        await q.query('INSERT INTO setup_tokens (hash, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4)', [
          token.hash,
          token.createdAt,
          token.expiresAt,
          token.usedAt,
        ]);
      });
    },
    async find(hash) {
      if (hasNul(hash)) return null;
      const { rows } = await db.query<SetupTokenRow>(
        'SELECT hash, created_at, expires_at, used_at FROM setup_tokens WHERE hash = $1',
        [hash],
      );
      const row = rows[0];
      return row ? toSetupToken(row) : null;
    },
    async consume(hash, at) {
      if (hasNul(hash)) return false;
      // Single use across relays: a second consume waits on the row lock, then finds it used.
      const { rowCount } = await db.query('UPDATE setup_tokens SET used_at = $1 WHERE hash = $2 AND used_at IS NULL', [
        at,
        hash,
      ]);
      return (rowCount ?? 0) > 0;
    },
  };
}
