import type { AdminToken, Invite, Member } from '@messagejs/shared-types';
import { effectivePermissions, permissions } from '../../domain/permissions.js';
import type { AdminTokenRecord, InviteRecord, MemberWithUser } from '../../store/types.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** Permissions in the canonical order (the order of `permissions`). */
export function sortedPermissions(set: Iterable<string>): Member['permissions'] {
  const has = new Set(set);
  return permissions.filter((p) => has.has(p));
}

/** A member as the API shows it: effective permissions, overrides, scope; dates as ISO 8601. */
export function memberView(m: MemberWithUser): Member {
  return {
    id: m.id,
    accountId: m.accountId,
    userId: m.userId,
    email: m.email,
    name: m.name,
    role: m.role,
    permissions: sortedPermissions(effectivePermissions(m.role, m.granted, m.withdrawn)),
    granted: sortedPermissions(m.granted),
    withdrawn: sortedPermissions(m.withdrawn),
    projectIds: m.projectIds,
    status: m.status,
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
    suspendedAt: isoOrNull(m.suspendedAt),
  };
}

/** An invite as lists show it: never its link. */
export function inviteView(i: InviteRecord, now: number): Invite {
  const status =
    i.acceptedAt !== null ? 'accepted' : i.revokedAt !== null ? 'revoked' : i.expiresAt <= now ? 'expired' : 'pending';
  return {
    id: i.id,
    accountId: i.accountId,
    email: i.email,
    role: i.role,
    projectIds: i.projectIds,
    status,
    invitedBy: i.invitedBy,
    createdAt: iso(i.createdAt),
    expiresAt: iso(i.expiresAt),
  };
}

/** An admin token as lists show it: its prefix, never the token. */
export function adminTokenView(t: AdminTokenRecord, now: number): AdminToken {
  const status = t.revokedAt !== null ? 'revoked' : t.expiresAt !== null && t.expiresAt <= now ? 'expired' : 'active';
  return {
    id: t.id,
    accountId: t.accountId,
    memberId: t.memberId,
    name: t.name,
    prefix: `${t.prefix}…`,
    permissions: sortedPermissions(t.permissions),
    projectIds: t.projectIds,
    status,
    createdAt: iso(t.createdAt),
    expiresAt: isoOrNull(t.expiresAt),
    revokedAt: isoOrNull(t.revokedAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
  };
}
