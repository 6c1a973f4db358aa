import type { SigningKeyRecord, SigningKeysRepo } from '../types/index.js';
import { toSigningKey, type SigningKeyRow } from '../signing-key-rows.js';
import { advisoryLock } from './advisory-lock.js';
import { hasNul, refusingNul } from './nul-text.js';
import type { PgDb, Queryable } from './queryable.js';

const sql = {
  latest: 'SELECT * FROM signing_keys WHERE project_id = $1 ORDER BY seq DESC LIMIT $2',
  insert: `INSERT INTO signing_keys (kid, project_id, alg, public_jwk, sealed_private_jwk, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)`,
  prune: `DELETE FROM signing_keys WHERE project_id = $1
    AND seq NOT IN (SELECT seq FROM signing_keys WHERE project_id = $1 ORDER BY seq DESC LIMIT $2)`,
};

const insert = (q: Queryable, k: SigningKeyRecord) =>
  q.query(sql.insert, [k.kid, k.projectId, k.alg, JSON.stringify(k.publicJwk), k.sealedPrivateJwk, k.createdAt]);

/**
 * Token-signing keys on PostgreSQL; the newest (highest `seq`) is the current one. The project's
 * lock makes "insert unless one exists" and a rotation each one step, as SQLite's single writer
 * does: two relays signing their first token at once store one key, and concurrent rotations keep
 * `keep` keys, and `seq` follows the order they took effect in.
 */
export function createSigningKeysRepo(pg: PgDb): SigningKeysRepo {
  const db = refusingNul(pg);
  return {
    async latest(projectId, limit) {
      if (hasNul(projectId)) return [];
      const { rows } = await db.query<SigningKeyRow>(sql.latest, [projectId, limit]);
      return rows.map(toSigningKey);
    },
    async insertIfNone(key) {
      return db.tx(async (q) => {
        await advisoryLock(q, 'signingKeys', key.projectId);
        const { rows } = await q.query<SigningKeyRow>(sql.latest, [key.projectId, 1]);
        if (rows[0]) return toSigningKey(rows[0]);
        await insert(q, key);
        return key;
      });
    },
    async rotate(key, keep) {
      await db.tx(async (q) => {
        await advisoryLock(q, 'signingKeys', key.projectId);
        await insert(q, key);
        await q.query(sql.prune, [key.projectId, keep]);
      });
    },
  };
}
