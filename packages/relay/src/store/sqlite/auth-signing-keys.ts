import type Database from 'better-sqlite3';
import type { AuthSigningKeyRecord, AuthSigningKeysRepo } from '../types/index.js';
import { toAuthSigningKey, type AuthSigningKeyRow } from '../signing-key-rows.js';

/** The keys that sign access tokens; the newest (highest `seq`) is current. */
export function createAuthSigningKeysRepo(db: Database.Database): AuthSigningKeysRepo {
  const current = db.prepare<[], AuthSigningKeyRow>('SELECT * FROM auth_signing_keys ORDER BY seq DESC LIMIT 1');
  const byKid = db.prepare<[string], AuthSigningKeyRow>('SELECT * FROM auth_signing_keys WHERE kid = ?');
  const insert = db.prepare(
    `INSERT INTO auth_signing_keys (kid, alg, public_jwk, sealed_private_jwk, created_at)
     VALUES (@kid, @alg, @publicJwk, @sealedPrivateJwk, @createdAt)`,
  );
  const insertIfNone = db.transaction((key: AuthSigningKeyRecord) => {
    const existing = current.get();
    if (existing) return toAuthSigningKey(existing);
    insert.run({ ...key, publicJwk: JSON.stringify(key.publicJwk) });
    return key;
  });
  return {
    async current() {
      const row = current.get();
      return row ? toAuthSigningKey(row) : null;
    },
    async byKid(kid) {
      const row = byKid.get(kid);
      return row ? toAuthSigningKey(row) : null;
    },
    async insertIfNone(key) {
      return insertIfNone.immediate(key);
    },
  };
}
