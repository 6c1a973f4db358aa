import type Database from 'better-sqlite3';
import type { SigningKeyRecord, SigningKeysRepo } from '../types/index.js';
import { toSigningKey, type SigningKeyRow } from '../signing-key-rows.js';

/** Token-signing keys; the newest (highest `seq`) is the current one. */
export function createSigningKeysRepo(db: Database.Database): SigningKeysRepo {
  const latest = db.prepare<[string, number], SigningKeyRow>(
    'SELECT * FROM signing_keys WHERE project_id = ? ORDER BY seq DESC LIMIT ?',
  );
  const insert = db.prepare(
    `INSERT INTO signing_keys (kid, project_id, alg, public_jwk, sealed_private_jwk, created_at)
     VALUES (@kid, @projectId, @alg, @publicJwk, @sealedPrivateJwk, @createdAt)`,
  );
  const prune = db.prepare(
    `DELETE FROM signing_keys WHERE project_id = @projectId
       AND seq NOT IN (SELECT seq FROM signing_keys WHERE project_id = @projectId ORDER BY seq DESC LIMIT @keep)`,
  );
  const params = (k: SigningKeyRecord) => ({ ...k, publicJwk: JSON.stringify(k.publicJwk) });

  const insertIfNone = db.transaction((key: SigningKeyRecord) => {
    const current = latest.get(key.projectId, 1);
    if (current) return toSigningKey(current);
    insert.run(params(key));
    return key;
  });
  const rotate = db.transaction((key: SigningKeyRecord, keep: number) => {
    insert.run(params(key));
    prune.run({ projectId: key.projectId, keep });
  });

  return {
    async latest(projectId, limit) {
      return latest.all(projectId, limit).map(toSigningKey);
    },
    async insertIfNone(key) {
      return insertIfNone.immediate(key);
    },
    async rotate(key, keep) {
      rotate.immediate(key, keep);
    },
  };
}
