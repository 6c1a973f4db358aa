/** A session: one sign-in, and the family of refresh tokens rotated from it. */
export interface SessionRecord {
  id: string;
  memberId: string;
  createdAt: number;
  lastUsedAt: number;
  /** The family's hard end, however often it is refreshed. */
  expiresAt: number;
  revokedAt: number | null;
  /** `logout`, `reuse`, `password`, `suspended`, `removed`. */
  revokedReason: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** A refresh token of a session, by SHA-256; `usedAt` is set when it is rotated. */
export interface RefreshTokenRecord {
  hash: string;
  sessionId: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

/** Sessions and their refresh tokens. */
export interface SessionsRepo {
  /** Writes a session and its first refresh token. */
  create(session: SessionRecord, token: Omit<RefreshTokenRecord, 'sessionId' | 'usedAt'>): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  findRefresh(hash: string): Promise<{ token: RefreshTokenRecord; session: SessionRecord } | null>;
  /**
   * Marks `oldHash` used and adds `next` to its session, in one step; false (nothing written) when
   * `oldHash` was already used: a reuse, which the caller answers by revoking the family.
   */
  rotate(oldHash: string, next: Omit<RefreshTokenRecord, 'sessionId' | 'usedAt'>, at: number): Promise<boolean>;
  revoke(sessionId: string, reason: string, at: number): Promise<void>;
  revokeForMember(memberId: string, reason: string, at: number): Promise<void>;
  /** Revokes every session of the user's memberships, but `exceptSessionId`. */
  revokeForUser(userId: string, reason: string, at: number, exceptSessionId?: string): Promise<void>;
}
