import type Database from 'better-sqlite3';
import type { AuthSigningKeyRecord, AuthSigningKeysRepo } from '../types/index.js';

interface Row {
  kid: string;
  alg: 'ES256';
  public_jwk: string;
  sealed_private_jwk: string;
  created_at: number;
}

const toKey = (r: Row): AuthSigningKeyRecord => ({
  kid: r.kid,
  alg: r.alg,
  publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>,
  sealedPrivateJwk: r.sealed_private_jwk,
  createdAt: r.created_at,
});

/** The keys that sign access tokens; the newest (highest `seq`) is current. */
export function createAuthSigningKeysRepo(db: Database.Database): AuthSigningKeysRepo {
  const current = db.prepare<[], Row>('SELECT * FROM auth_signing_keys ORDER BY seq DESC LIMIT 1');
  const byKid = db.prepare<[string], Row>('SELECT * FROM auth_signing_keys WHERE kid = ?');
  const insert = db.prepare(
    `INSERT INTO auth_signing_keys (kid, alg, public_jwk, sealed_private_jwk, created_at)
     VALUES (@kid, @alg, @publicJwk, @sealedPrivateJwk, @createdAt)`,
  );
  const insertIfNone = db.transaction((key: AuthSigningKeyRecord) => {
    const existing = current.get();
    if (existing) return toKey(existing);
    insert.run({ ...key, publicJwk: JSON.stringify(key.publicJwk) });
    return key;
  });
  return {
    async current() {
      const row = current.get();
      return row ? toKey(row) : null;
    },
    async byKid(kid) {
      const row = byKid.get(kid);
      return row ? toKey(row) : null;
    },
    async insertIfNone(key) {
      return insertIfNone.immediate(key);
    },
  };
}
