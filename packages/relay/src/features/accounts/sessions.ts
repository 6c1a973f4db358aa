import type { TokenResponse } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { newId, randomBase62, sha256Hex } from '../../crypto/tokens.js';
import { csrfTokenFor, isCsrfToken } from '../../crypto/csrf.js';
import type { MemberRecord } from '../../store/types.js';
import { ACCESS_TOKEN_TTL_SECONDS } from './access-tokens.js';
import type { AccountsDeps } from './deps.js';

/** A refresh token lives 14 days unless rotated first; a session (its family) 30 days at most. */
export const REFRESH_TOKEN_TTL_MS = 14 * 24 * 3600_000;
const SESSION_MAX_MS = 30 * 24 * 3600_000;
const REFRESH_FORMAT = /^mrt_[0-9A-Za-z]{43}$/;

/** Where a sign-in comes from, kept with its session. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** The tokens of a session, and how long the browser keeps its refresh cookie. */
export type SessionTokens = TokenResponse & { refreshMaxAge: number };

function newRefreshToken(now: number, expiresAt: number) {
  const token = `mrt_${randomBase62(43)}`;
  return { token, record: { hash: sha256Hex(token), createdAt: now, expiresAt } };
}

async function tokensFor(
  deps: AccountsDeps,
  member: Pick<MemberRecord, 'id' | 'userId' | 'accountId'>,
  sessionId: string,
  refreshToken: string,
  refreshExpiresAt: number,
): Promise<SessionTokens> {
  const accessToken = await deps.tokens.sign({
    userId: member.userId,
    memberId: member.id,
    accountId: member.accountId,
    sessionId,
  });
  return {
    accessToken,
    refreshToken,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    tokenType: 'Bearer',
    csrfToken: csrfTokenFor(deps.csrfKey, sessionId),
    accountId: member.accountId,
    memberId: member.id,
    refreshMaxAge: Math.max(0, Math.floor((refreshExpiresAt - deps.now()) / 1000)),
  };
}

/** Opens a session for an active member and answers its first tokens. */
export async function startSession(
  deps: AccountsDeps,
  member: Pick<MemberRecord, 'id' | 'userId' | 'accountId'>,
  client: ClientInfo,
): Promise<SessionTokens> {
  const now = deps.now();
  const session = {
    id: newId('ses'),
    memberId: member.id,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + SESSION_MAX_MS,
    revokedAt: null,
    revokedReason: null,
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, 300) ?? null,
  };
  const refreshExpiresAt = Math.min(now + REFRESH_TOKEN_TTL_MS, session.expiresAt);
  const { token, record } = newRefreshToken(now, refreshExpiresAt);
  await deps.store.sessions.create(session, record);
  return tokensFor(deps, member, session.id, token, refreshExpiresAt);
}

const refused = () => new AppError('unauthorized', 'Unknown, expired or revoked refresh token: sign in again.');

/**
 * Trades a refresh token for a new pair. A token used before is a theft or a replay: its
 * whole family (the session) is revoked at once, and the answer is `401 refresh_token_reused`; the
 * newest token of the family and its access tokens stop working too. A browser's refresh
 * (`viaCookie`) must carry the session's CSRF token.
 */
export async function refreshSession(
  deps: AccountsDeps,
  token: string,
  viaCookie: { csrfToken: string | undefined } | null,
): Promise<SessionTokens> {
  if (!REFRESH_FORMAT.test(token)) throw refused();
  const now = deps.now();
  const found = await deps.store.sessions.findRefresh(sha256Hex(token));
  if (!found) throw refused();
  const { session } = found;
  if (viaCookie && !isCsrfToken(deps.csrfKey, session.id, viaCookie.csrfToken)) {
    throw new AppError('csrf_failed', 'A cookie refresh needs the session’s `X-CSRF-Token` header.');
  }
  if (session.revokedAt !== null || session.expiresAt <= now) throw refused();
  if (found.token.usedAt !== null) await reused(deps, session.id, now);
  if (found.token.expiresAt <= now) throw refused();
  const member = await deps.store.members.findForAuth(session.memberId);
  if (!member || member.status !== 'active') throw refused();
  const refreshExpiresAt = Math.min(now + REFRESH_TOKEN_TTL_MS, session.expiresAt);
  const next = newRefreshToken(now, refreshExpiresAt);
  // A concurrent rotation of the same token got there first: that is a reuse too.
  if (!(await deps.store.sessions.rotate(found.token.hash, next.record, now))) await reused(deps, session.id, now);
  return tokensFor(deps, member, session.id, next.token, refreshExpiresAt);
}

async function reused(deps: AccountsDeps, sessionId: string, now: number): Promise<never> {
  await deps.store.sessions.revoke(sessionId, 'reuse', now);
  deps.logger.warn({ sessionId }, 'a refresh token was used twice: its session was revoked');
  throw new AppError(
    'refresh_token_reused',
    'This refresh token was already used: the session has been ended everywhere. Sign in again.',
  );
}

/** Ends a session (logout); its refresh tokens and access tokens stop working at once. */
export async function endSession(deps: AccountsDeps, sessionId: string): Promise<void> {
  await deps.store.sessions.revoke(sessionId, 'logout', deps.now());
}

/** The session a refresh token belongs to (logout by refresh token), or null. */
export async function sessionOfRefreshToken(deps: AccountsDeps, token: string): Promise<string | null> {
  if (!REFRESH_FORMAT.test(token)) return null;
  return (await deps.store.sessions.findRefresh(sha256Hex(token)))?.session.id ?? null;
}
