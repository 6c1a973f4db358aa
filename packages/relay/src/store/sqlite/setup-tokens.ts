import type Database from 'better-sqlite3';
import type { SetupTokenRecord, SetupTokensRepo } from '../types/index.js';
import { toSetupToken, type SetupTokenRow } from '../setup-token-rows.js';

export function createSetupTokensRepo(db: Database.Database): SetupTokensRepo {
  const clear = db.prepare('DELETE FROM setup_tokens');
  const insert = db.prepare(
    'INSERT INTO setup_tokens (hash, created_at, expires_at, used_at) VALUES (@hash, @createdAt, @expiresAt, @usedAt)',
  );
  const byHash = db.prepare<[string], SetupTokenRow>('SELECT * FROM setup_tokens WHERE hash = ?');
  const live = db.prepare<[number], SetupTokenRow>(
    'SELECT * FROM setup_tokens WHERE used_at IS NULL AND expires_at > ? LIMIT 1',
  );
  const consume = db.prepare('UPDATE setup_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL');
  const replace = db.transaction((token: SetupTokenRecord) => {
    clear.run();
    insert.run(token);
  });
  const replaceUnlessLive = db.transaction((token: SetupTokenRecord, now: number) => {
    const row = live.get(now);
    if (row) return toSetupToken(row);
    replace(token);
    return null;
  });
  return {
    async replace(token) {
      replace.immediate(token);
    },
    async replaceUnlessLive(token, now) {
      return replaceUnlessLive.immediate(token, now);
    },
    async find(hash) {
      const row = byHash.get(hash);
      return row ? toSetupToken(row) : null;
    },
    async consume(hash, at) {
      return consume.run(at, hash).changes > 0;
    },
  };
}
