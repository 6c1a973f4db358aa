import type { AuthSigningKeysRepo } from '../types/index.js';
import { toAuthSigningKey, type AuthSigningKeyRow } from '../signing-key-rows.js';
import { advisoryLock } from './advisory-lock.js';
import { hasNul, refusingNul } from './nul-text.js';
import type { PgDb } from './queryable.js';

const current = 'SELECT * FROM auth_signing_keys ORDER BY seq DESC LIMIT 1';

/**
 * The keys that sign access tokens, on PostgreSQL; the newest (highest `seq`) is current. A lock
 * makes "insert unless one exists" one step, as SQLite's single writer does: relays starting
 * together store one key and all sign with it.
 */
export function createAuthSigningKeysRepo(pg: PgDb): AuthSigningKeysRepo {
  const db = refusingNul(pg);
  return {
    async current() {
      const { rows } = await db.query<AuthSigningKeyRow>(current);
      return rows[0] ? toAuthSigningKey(rows[0]) : null;
    },
    async byKid(kid) {
      if (hasNul(kid)) return null;
      const { rows } = await db.query<AuthSigningKeyRow>('SELECT * FROM auth_signing_keys WHERE kid = $1', [kid]);
      return rows[0] ? toAuthSigningKey(rows[0]) : null;
    },
    async insertIfNone(key) {
      return db.tx(async (q) => {
        await advisoryLock(q, 'authSigningKeys');
        const { rows } = await q.query<AuthSigningKeyRow>(current);
        if (rows[0]) return toAuthSigningKey(rows[0]);
        await q.query(
          `INSERT INTO auth_signing_keys (kid, alg, public_jwk, sealed_private_jwk, created_at)
           VALUES ($1, $2, $3, $4, $5)`,
          [key.kid, key.alg, JSON.stringify(key.publicJwk), key.sealedPrivateJwk, key.createdAt],
        );
        return key;
      });
    },
  };
}
