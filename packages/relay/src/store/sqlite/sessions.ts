import type Database from 'better-sqlite3';
import type { RefreshTokenRecord, SessionRecord, SessionsRepo } from '../types/index.js';
import { toSession, type SessionRow } from '../session-rows.js';

interface TokenRow {
  hash: string;
  session_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

const toToken = (r: TokenRow): RefreshTokenRecord => ({
  hash: r.hash,
  sessionId: r.session_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});

export function createSessionsRepo(db: Database.Database): SessionsRepo {
  const insertSession = db.prepare(
    `INSERT INTO sessions (id, member_id, created_at, last_used_at, expires_at, revoked_at, revoked_reason, ip, user_agent)
     VALUES (@id, @memberId, @createdAt, @lastUsedAt, @expiresAt, @revokedAt, @revokedReason, @ip, @userAgent)`,
  );
  const insertToken = db.prepare(
    'INSERT INTO refresh_tokens (hash, session_id, created_at, expires_at) VALUES (@hash, @sessionId, @createdAt, @expiresAt)',
  );
  const byId = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
  const tokenByHash = db.prepare<[string], TokenRow>('SELECT * FROM refresh_tokens WHERE hash = ?');
  const markUsed = db.prepare('UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL');
  const touchSession = db.prepare('UPDATE sessions SET last_used_at = ? WHERE id = ?');
  // Used tokens of a family are kept until the family ends: a reuse must still be recognised.
  const revoke = db.prepare(
    'UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL',
  );
  const revokeMember = db.prepare(
    'UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE member_id = ? AND revoked_at IS NULL',
  );
  const revokeUser = db.prepare(
    `UPDATE sessions SET revoked_at = @at, revoked_reason = @reason
      WHERE revoked_at IS NULL AND id != @except
        AND member_id IN (SELECT id FROM members WHERE user_id = @userId)`,
  );
  const create = db.transaction((session: SessionRecord, token: Omit<RefreshTokenRecord, 'sessionId' | 'usedAt'>) => {
    insertSession.run(session);
    insertToken.run({ ...token, sessionId: session.id });
  });
  const rotate = db.transaction(
    (oldHash: string, next: Omit<RefreshTokenRecord, 'sessionId' | 'usedAt'>, at: number): boolean => {
      const old = tokenByHash.get(oldHash);
      if (!old || markUsed.run(at, oldHash).changes === 0) return false;
      insertToken.run({ ...next, sessionId: old.session_id });
      touchSession.run(at, old.session_id);
      return true;
    },
  );
  return {
    async create(session, token) {
      create(session, token);
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toSession(row) : null;
    },
    async findRefresh(hash) {
      const token = tokenByHash.get(hash);
      if (!token) return null;
      const session = byId.get(token.session_id);
      return session ? { token: toToken(token), session: toSession(session) } : null;
    },
    async rotate(oldHash, next, at) {
      return rotate.immediate(oldHash, next, at);
    },
    async revoke(sessionId, reason, at) {
      revoke.run(at, reason, sessionId);
    },
    async revokeForMember(memberId, reason, at) {
      revokeMember.run(at, reason, memberId);
    },
    async revokeForUser(userId, reason, at, exceptSessionId) {
      revokeUser.run({ at, reason, userId, except: exceptSessionId ?? '' });
    },
  };
}
