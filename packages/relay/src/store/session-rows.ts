import type { SessionRecord } from './types/index.js';

/**
 * A row of `sessions`. The same on every backend (the PostgreSQL schema mirrors SQLite's columns
 * and value representations), and so is the mapper below, shared by both.
 */
export interface SessionRow {
  id: string;
  member_id: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
  ip: string | null;
  user_agent: string | null;
}

/** Maps a `sessions` row to its record. */
export const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  memberId: r.member_id,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  revokedReason: r.revoked_reason,
  ip: r.ip,
  userAgent: r.user_agent,
});
