import { updateMemberRequestSchema, type Member, type Permission, type Role } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { authorize, forbidden, roleDefaults } from '../../domain/permissions.js';
import { toValidationError } from '../../domain/validation.js';
import type { AdminPrincipal } from '../../domain/principal.js';
import type { Actor } from '../../domain/actor.js';
import type { MemberWithUser, Page, PageRequest, Repositories } from '../../store/types.js';
import { recordChange } from '../audit/record-change.js';
import type { AccountsDeps } from './deps.js';
import { requireOwnAccount } from './me.js';
import { memberView } from './views.js';

const memberNotFound = (id: string) =>
  new AppError('member_not_found', `No member ${id.slice(0, 100)} in this account.`, { field: 'memberId' });

/** The account's member, after the account (404) and `manage_members` (403) checks, in that order. */
async function requireMember(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  accountId: string,
  memberId: string,
): Promise<MemberWithUser> {
  await requireOwnAccount(deps, principal, accountId);
  authorize(principal, 'manage_members');
  const member = await deps.store.members.get(accountId, memberId);
  if (!member) throw memberNotFound(memberId);
  return member;
}

/** `GET /v1/accounts/:accountId/members` (`manage_members`): newest first. */
export async function listMembers(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  accountId: string,
  page: PageRequest,
): Promise<Page<MemberWithUser>> {
  await requireOwnAccount(deps, principal, accountId);
  authorize(principal, 'manage_members');
  return deps.store.members.page(accountId, page);
}

/** `GET /v1/accounts/:accountId/members/:memberId`. */
export async function getMember(deps: AccountsDeps, principal: AdminPrincipal, accountId: string, memberId: string) {
  return requireMember(deps, principal, accountId, memberId);
}

/** Only an owner acts on an owner, or makes one; an admin changing an owner is `403`. */
function requireMayManage(principal: AdminPrincipal, target: { role: Role }, nextRole?: Role): void {
  if ((target.role === 'owner' || nextRole === 'owner') && principal.role !== 'owner') {
    throw new AppError('forbidden', 'Only an owner changes an owner or makes one.');
  }
  // Nobody hands out a role that holds more than they do.
  if (nextRole) for (const p of roleDefaults[nextRole]) if (!principal.permissions.has(p)) throw forbidden(p);
}

/** The last active owner of an account cannot be demoted, suspended or removed (`409 last_owner`). */
async function requireNotLastOwner(tx: Pick<Repositories, 'members'>, target: MemberWithUser): Promise<void> {
  if (target.role !== 'owner' || target.status !== 'active') return;
  if ((await tx.members.countActiveOwners(target.accountId)) <= 1) {
    throw new AppError('last_owner', 'This is the account’s last owner: make another member owner first.');
  }
}

/**
 * A role's overrides after `grant` and `withdraw`: each list keeps only what differs from the
 * role (a granted permission the role already has is dropped). Owners take none (400).
 */
export function applyOverrides(
  role: Role,
  current: { granted: readonly Permission[]; withdrawn: readonly Permission[] },
  change: { grant?: readonly Permission[] | undefined; withdraw?: readonly Permission[] | undefined },
): { granted: Permission[]; withdrawn: Permission[] } {
  const grant = new Set(change.grant ?? []);
  const withdraw = new Set(change.withdraw ?? []);
  for (const p of grant) {
    if (withdraw.has(p))
      throw new AppError('validation_failed', `\`${p}\` is both granted and withdrawn.`, { field: 'withdraw' });
  }
  if (role === 'owner') {
    if (grant.size > 0 || withdraw.size > 0) {
      const field = grant.size > 0 ? 'grant' : 'withdraw';
      throw new AppError('validation_failed', 'Owners hold every permission: they take no overrides.', { field });
    }
    return { granted: [], withdrawn: [] };
  }
  const defaults = roleDefaults[role];
  const granted = new Set([...current.granted, ...grant].filter((p) => !withdraw.has(p) && !defaults.has(p)));
  const withdrawn = new Set([...current.withdrawn, ...withdraw].filter((p) => !grant.has(p) && defaults.has(p)));
  return { granted: [...granted], withdrawn: [...withdrawn] };
}

/**
 * Project ids a principal may give a member (or invite, or token): projects of its account that it
 * sees itself. One it cannot see is `404 project_not_found`; "every project" (null) needs an
 * unrestricted principal.
 */
export async function checkProjectScope(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  projectIds: readonly string[] | null,
): Promise<string[] | null> {
  if (projectIds === null) {
    if (principal.projectIds !== null) {
      throw new AppError('forbidden', 'A member limited to some projects cannot give access to every project.');
    }
    return null;
  }
  const visible = new Set(
    (
      await deps.store.projects.listForAccount(principal.accountId, principal.projectIds && [...principal.projectIds])
    ).map((p) => p.id),
  );
  for (const id of projectIds) {
    if (!visible.has(id)) {
      throw new AppError('project_not_found', `No project ${id.slice(0, 100)}.`, { field: 'projectIds' });
    }
  }
  return [...new Set(projectIds)];
}

/**
 * `PATCH /v1/accounts/:accountId/members/:memberId`: role, granted and withdrawn
 * permissions, and the projects the member is limited to. Every change shows at the member's next
 * request (nothing is cached).
 */
export async function updateMember(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  ids: { accountId: string; memberId: string },
  body: unknown,
  actor: Actor,
): Promise<Member> {
  const target = await requireMember(deps, principal, ids.accountId, ids.memberId);
  const parsed = updateMemberRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const change = parsed.data;
  const role = change.role ?? target.role;
  requireMayManage(principal, target, change.role);
  for (const p of change.grant ?? []) if (!principal.permissions.has(p)) throw forbidden(p);
  const overrides = applyOverrides(role, target, change);
  const projectIds =
    change.projectIds === undefined ? undefined : await checkProjectScope(deps, principal, change.projectIds);
  const now = deps.now();
  return deps.store.transaction(async (tx) => {
    if (role !== 'owner') await requireNotLastOwner(tx, target);
    await tx.members.update(target.id, { role, ...overrides }, now);
    if (projectIds !== undefined) await tx.members.setProjects(target.id, projectIds, now);
    const after = (await tx.members.get(ids.accountId, target.id))!;
    await recordChange(tx, actor, {
      projectId: null,
      action:
        projectIds !== undefined && change.role === undefined && !change.grant && !change.withdraw
          ? 'member.projects'
          : 'member.update',
      resource: { type: 'member', id: target.id },
      before: memberView(target),
      after: memberView(after),
      at: now,
    });
    return memberView(after);
  });
}

/**
 * Suspends or re-activates a member. Suspending ends every session of the member at once, and
 * pauses its admin tokens (they work again after `activate`; its sessions do not).
 */
export async function setMemberStatus(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  ids: { accountId: string; memberId: string },
  status: 'active' | 'suspended',
  actor: Actor,
): Promise<Member> {
  const target = await requireMember(deps, principal, ids.accountId, ids.memberId);
  requireMayManage(principal, target);
  const now = deps.now();
  return deps.store.transaction(async (tx) => {
    if (status === 'suspended') {
      await requireNotLastOwner(tx, target);
      await tx.sessions.revokeForMember(target.id, 'suspended', now);
    }
    if (target.status !== status) await tx.members.setStatus(target.id, status, now);
    const after = (await tx.members.get(ids.accountId, target.id))!;
    await recordChange(tx, actor, {
      projectId: null,
      action: status === 'suspended' ? 'member.suspend' : 'member.activate',
      resource: { type: 'member', id: target.id },
      before: { status: target.status },
      after: { status: after.status },
      at: now,
    });
    return memberView(after);
  });
}

/** `DELETE …/members/:memberId`: the member leaves the account; its sessions and admin tokens go with it. */
export async function removeMember(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  ids: { accountId: string; memberId: string },
  actor: Actor,
): Promise<void> {
  const target = await requireMember(deps, principal, ids.accountId, ids.memberId);
  requireMayManage(principal, target);
  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    await requireNotLastOwner(tx, target);
    await tx.members.remove(target.id);
    await recordChange(tx, actor, {
      projectId: null,
      action: 'member.remove',
      resource: { type: 'member', id: target.id },
      before: memberView(target),
      at: now,
    });
  });
}
