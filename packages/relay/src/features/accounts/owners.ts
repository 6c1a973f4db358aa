import type { Permission, Role } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import type { Actor } from '../../domain/actor.js';
import { newId } from '../../crypto/tokens.js';
import type { MemberRecord, Repositories, UserRecord } from '../../store/types.js';
import { recordChange } from '../audit/record-change.js';

/** The name of an account made without one. */
export const DEFAULT_ACCOUNT_NAME = 'My account';

/** How addresses are compared: trimmed and lowercased. */
export function emailKeyOf(email: string): string {
  return email.trim().toLowerCase();
}

/** A new user record (the password already hashed). */
export function newUser(input: { email: string; name?: string | null; passwordHash: string }, now: number): UserRecord {
  return {
    id: newId('usr'),
    email: input.email.trim(),
    emailKey: emailKeyOf(input.email),
    name: input.name ?? null,
    passwordHash: input.passwordHash,
    passwordChangedAt: now,
    lastLoginAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** A new active member record. */
export function newMember(
  input: {
    accountId: string;
    userId: string;
    role: Role;
    granted?: Permission[];
    withdrawn?: Permission[];
    projectIds?: string[] | null;
    invitedBy?: string | null;
  },
  now: number,
): MemberRecord {
  return {
    id: newId('mbr'),
    accountId: input.accountId,
    userId: input.userId,
    role: input.role,
    granted: input.granted ?? [],
    withdrawn: input.withdrawn ?? [],
    projectIds: input.projectIds ?? null,
    status: 'active',
    invitedBy: input.invitedBy ?? null,
    createdAt: now,
    updatedAt: now,
    suspendedAt: null,
  };
}

/**
 * Inside a unit of work: a new account with its first owner. With `adopt`, the account takes every
 * project that has none yet (the demo and earlier CLI projects) and their audit history: the first
 * owner's set-up (issue 12). `action` names the change in the audit log.
 */
export async function createAccountWithOwner(
  tx: Repositories,
  input: { email: string; name?: string | null; passwordHash: string; accountName?: string | null },
  options: { now: number; actor: Actor; adopt: boolean; action: 'auth.setup' | 'auth.register' },
): Promise<MemberRecord> {
  const { now, actor } = options;
  if (await tx.users.findByEmailKey(emailKeyOf(input.email))) {
    throw new AppError('already_exists', 'A user with this email address already exists: sign in instead.', {
      field: 'email',
    });
  }
  const account = { id: newId('acc'), name: input.accountName ?? DEFAULT_ACCOUNT_NAME, createdAt: now, updatedAt: now };
  const user = newUser(input, now);
  await tx.accounts.create(account);
  await tx.users.create(user);
  const member = newMember({ accountId: account.id, userId: user.id, role: 'owner' }, now);
  await tx.members.create(member);
  const adopted = options.adopt ? await tx.accounts.adoptOrphans(account.id) : 0;
  await recordChange(tx, actor, {
    projectId: null,
    accountId: account.id,
    action: options.action,
    resource: { type: 'member', id: member.id },
    after: { account: { id: account.id, name: account.name }, user: { id: user.id, email: user.email }, role: 'owner' },
    detail: { adoptedProjects: adopted },
    at: now,
  });
  return member;
}
