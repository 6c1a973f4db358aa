import type { RefreshTokenRecord, SessionsRepo } from '../types/index.js';
import { toSession, type SessionRow } from '../session-rows.js';
import { hasNul, refusingNul } from './nul-text.js';
import type { PgDb, Queryable } from './queryable.js';

/** A refresh token's columns beside its session's, in one row. */
interface TokenFields {
  token_hash: string;
  token_created_at: number;
  token_expires_at: number;
  token_used_at: number | null;
}

type NewToken = Omit<RefreshTokenRecord, 'sessionId' | 'usedAt'>;

const tokenOf = (r: SessionRow & TokenFields): RefreshTokenRecord => ({
  hash: r.token_hash,
  sessionId: r.id,
  createdAt: r.token_created_at,
  expiresAt: r.token_expires_at,
  usedAt: r.token_used_at,
});

const SESSION_COLUMNS =
  'id, member_id, created_at, last_used_at, expires_at, revoked_at, revoked_reason, ip, user_agent';

const insertToken = (q: Queryable, token: NewToken, sessionId: string) =>
  q.query('INSERT INTO refresh_tokens (hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
    token.hash,
    sessionId,
    token.createdAt,
    token.expiresAt,
  ]);

/**
 * Marks `oldHash` used and adds `next` to its session. The conditional UPDATE is the single use:
 * a second transaction presenting the same token (another relay, the same instant) waits on the
 * row lock, then re-checks `used_at IS NULL` against the committed row and updates nothing.
 */
async function rotate(q: Queryable, oldHash: string, next: NewToken, at: number): Promise<boolean> {
  const { rows } = await q.query<{ session_id: string }>(
    'UPDATE refresh_tokens SET used_at = $1 WHERE hash = $2 AND used_at IS NULL RETURNING session_id',
    [at, oldHash],
  );
  const sessionId = rows[0]?.session_id;
  if (sessionId === undefined) return false;
  await insertToken(q, next, sessionId);
  await q.query('UPDATE sessions SET last_used_at = $1 WHERE id = $2', [at, sessionId]);
  return true;
}

/** Sessions and their refresh tokens on PostgreSQL; behaves as `sqlite/sessions.ts`. */
export function createSessionsRepo(pg: PgDb): SessionsRepo {
  const db = refusingNul(pg);
  const session = async (id: string) => {
    const { rows } = await db.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`, [id]);
    return rows[0] ? toSession(rows[0]) : null;
  };
  // Used tokens of a family are kept until the family ends: a reuse must still be recognised.
  const revokeWhere = (where: string, values: unknown[]) =>
    db.query(`UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE revoked_at IS NULL AND ${where}`, values);
  return {
    async create(record, token) {
      await db.tx(async (q) => {
        await q.query(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
          record.id,
          record.memberId,
          record.createdAt,
          record.lastUsedAt,
          record.expiresAt,
          record.revokedAt,
          record.revokedReason,
          record.ip,
          record.userAgent,
        ]);
        await insertToken(q, token, record.id);
      });
    },
    async get(id) {
      return hasNul(id) ? null : session(id);
    },
    async findRefresh(hash) {
      if (hasNul(hash)) return null;
      const { rows } = await db.query<SessionRow & TokenFields>(
        `SELECT s.*, t.hash AS token_hash,
                t.created_at AS token_created_at, t.expires_at AS token_expires_at, t.used_at AS token_used_at
           FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.hash = $1`,
        [hash],
      );
      const row = rows[0];
      return row ? { token: tokenOf(row), session: toSession(row) } : null;
    },
    async rotate(oldHash, next, at) {
      if (hasNul(oldHash)) return false;
      return db.tx((q) => rotate(q, oldHash, next, at));
    },
    async revoke(sessionId, reason, at) {
      await revokeWhere('id = $3', [at, reason, sessionId]);
    },
    async revokeForMember(memberId, reason, at) {
      await revokeWhere('member_id = $3', [at, reason, memberId]);
    },
    async revokeForUser(userId, reason, at, exceptSessionId) {
      await revokeWhere('id <> $4 AND member_id IN (SELECT id FROM members WHERE user_id = $3)', [
        at,
        reason,
        userId,
        exceptSessionId ?? '',
      ]);
    },
  };
}
