import type { Permission } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { effectivePermissions } from '../../domain/permissions.js';
import type { AdminPrincipal, AdminTokenPrincipal, MemberPrincipal } from '../../domain/principal.js';
import { sha256Hex } from '../../crypto/tokens.js';
import type { AccountsDeps } from './deps.js';

const ADMIN_TOKEN = /^mat_[0-9A-Za-z]{43}$/;

const refused = (what: string) => new AppError('unauthorized', `${what}: sign in again, or use another credential.`);

/** The intersection of two project scopes (null: every project of the account). */
function narrowScope(a: readonly string[] | null, b: readonly string[] | null): ReadonlySet<string> | null {
  if (a === null && b === null) return null;
  if (a === null) return new Set(b);
  if (b === null) return new Set(a);
  const other = new Set(b);
  return new Set(a.filter((id) => other.has(id)));
}

async function adminTokenPrincipal(deps: AccountsDeps, token: string): Promise<AdminTokenPrincipal> {
  const now = deps.now();
  const record = ADMIN_TOKEN.test(token) ? await deps.store.adminTokens.findByHash(sha256Hex(token)) : null;
  if (!record || record.revokedAt !== null || (record.expiresAt !== null && record.expiresAt <= now)) {
    throw refused('Unknown, revoked or expired admin token');
  }
  const member = await deps.store.members.findForAuth(record.memberId);
  // A suspended member's tokens are paused: they work again once the member is activated.
  if (!member || member.status !== 'active' || member.accountId !== record.accountId) {
    throw refused('This admin token’s member is suspended or gone');
  }
  const memberPermissions = effectivePermissions(member.role, member.granted, member.withdrawn);
  const permissions = new Set<Permission>(record.permissions.filter((p) => memberPermissions.has(p)));
  deps.lastUsed.touch(record.id, now);
  return {
    kind: 'admin_token',
    tokenId: record.id,
    memberId: member.id,
    userId: member.userId,
    accountId: member.accountId,
    role: member.role,
    permissions,
    projectIds: narrowScope(record.projectIds, member.projectIds),
  };
}

async function sessionPrincipal(deps: AccountsDeps, token: string, via: 'bearer' | 'cookie'): Promise<MemberPrincipal> {
  const claims = await deps.tokens.verify(token);
  // Read on every request, not cached: a suspension, a removal or a logout holds at once.
  const [member, session] = await Promise.all([
    deps.store.members.findForAuth(claims.memberId),
    deps.store.sessions.get(claims.sessionId),
  ]);
  if (
    !member ||
    member.status !== 'active' ||
    member.accountId !== claims.accountId ||
    member.userId !== claims.userId ||
    !session ||
    session.memberId !== member.id ||
    session.revokedAt !== null ||
    session.expiresAt <= deps.now()
  ) {
    throw refused('This session has ended');
  }
  return {
    kind: 'member',
    memberId: member.id,
    userId: member.userId,
    accountId: member.accountId,
    role: member.role,
    permissions: effectivePermissions(member.role, member.granted, member.withdrawn),
    projectIds: member.projectIds === null ? null : new Set(member.projectIds),
    sessionId: session.id,
    via,
  };
}

/**
 * The principal behind an admin credential (`http/platform/admin-access.ts`'s `AdminResolver`):
 * an admin token (`mat_…`), or an access token whose session and member are read from the store
 * on every request — two primary-key reads — so suspensions, removals, logouts and password
 * changes hold at once, with no cache window.
 */
export function createPrincipalResolver(deps: AccountsDeps) {
  return function resolvePrincipal(token: string, via: 'bearer' | 'cookie'): Promise<AdminPrincipal> {
    if (token.startsWith('mat_')) {
      // The relay never puts an admin token in a cookie; a cookie write would skip the CSRF check.
      if (via === 'cookie') return Promise.reject(refused('Admin tokens travel in the Authorization header'));
      return adminTokenPrincipal(deps, token);
    }
    return sessionPrincipal(deps, token, via);
  };
}
