import type { SetupTokenRecord, SetupTokensRepo } from '../types/index.js';
import { toSetupToken, type SetupTokenRow } from '../setup-token-rows.js';
import { hasNul, refusingNul } from './nul-text.js';
import type { PgDb, Queryable } from './queryable.js';

const INSERT = 'INSERT INTO setup_tokens (hash, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4)';
const LIVE =
  'SELECT hash, created_at, expires_at, used_at FROM setup_tokens WHERE used_at IS NULL AND expires_at > $1 LIMIT 1';

/** Holds the table until the transaction ends, as SQLite's immediate transaction does: reads go on. */
async function lockTokens(q: Queryable): Promise<void> {
  await q.query('LOCK TABLE setup_tokens IN EXCLUSIVE MODE');
}

/** Deletes every token and stores `token`, in `q`'s transaction (which holds the table). */
async function storeOnly(q: Queryable, token: SetupTokenRecord): Promise<void> {
  await q.query('DELETE FROM setup_tokens');
  await q.query(INSERT, [token.hash, token.createdAt, token.expiresAt, token.usedAt]);
}

/** The setup tokens on PostgreSQL; behaves as `sqlite/setup-tokens.ts`. */
export function createSetupTokensRepo(pg: PgDb): SetupTokensRepo {
  const db = refusingNul(pg);
  return {
    async replace(token) {
      // Two relays replacing at once go one after the other, so one token stays live (without the
      // lock each would keep its own).
      await db.tx(async (q) => {
        await lockTokens(q);
        await storeOnly(q, token);
      });
    },
    async replaceUnlessLive(token, now) {
      return db.tx(async (q) => {
        await lockTokens(q);
        const { rows } = await q.query<SetupTokenRow>(LIVE, [now]);
        if (rows[0]) return toSetupToken(rows[0]);
        await storeOnly(q, token);
        return null;
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
