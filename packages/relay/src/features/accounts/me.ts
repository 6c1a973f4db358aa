import {
  changePasswordRequestSchema,
  updateAccountRequestSchema,
  type Account,
  type MeResponse,
} from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { authorize } from '../../domain/permissions.js';
import { toValidationError } from '../../domain/validation.js';
import type { AdminPrincipal } from '../../domain/principal.js';
import type { Actor } from '../../domain/actor.js';
import type { AccountRecord } from '../../store/types.js';
import { recordChange } from '../audit/record-change.js';
import type { AccountsDeps } from './deps.js';
import { memberView, sortedPermissions } from './views.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** `GET /v1/auth/me`: the user, the account, the member, what this credential may do and see. */
export async function describeMe(deps: AccountsDeps, principal: AdminPrincipal): Promise<MeResponse> {
  const { store } = deps;
  const [member, user, account, memberships, projects] = await Promise.all([
    store.members.findForAuth(principal.memberId),
    store.users.get(principal.userId),
    store.accounts.get(principal.accountId),
    store.accounts.listForUser(principal.userId),
    store.projects.listForAccount(principal.accountId, principal.projectIds && [...principal.projectIds]),
  ]);
  if (!member || !user || !account) throw new AppError('unauthorized', 'This session has ended: sign in again.');
  return {
    user: { id: user.id, email: user.email, name: user.name, createdAt: iso(user.createdAt) },
    account: { id: account.id, name: account.name },
    member: memberView(member),
    credential: principal.kind === 'member' ? 'session' : 'admin_token',
    permissions: sortedPermissions(principal.permissions),
    projects: projects.map((p) => ({ id: p.id, name: p.name })),
    memberships: memberships
      .filter((m) => m.status === 'active')
      .map((m) => ({ accountId: m.account.id, accountName: m.account.name, memberId: m.memberId, role: m.role })),
  };
}

/**
 * `POST /v1/auth/password`: a signed-in member changes their password, proving the current
 * one; every other session of the user ends at once (this one stays).
 */
export async function changePassword(deps: AccountsDeps, principal: AdminPrincipal, body: unknown, actor: Actor) {
  if (principal.kind !== 'member') {
    throw new AppError('forbidden', 'Only a signed-in person changes their password, not an admin token.');
  }
  const parsed = changePasswordRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const user = await deps.store.users.get(principal.userId);
  if (!user || !(await deps.passwords.verify(parsed.data.currentPassword, user.passwordHash))) {
    throw new AppError('invalid_credentials', 'The current password is wrong.', { field: 'currentPassword' });
  }
  const hash = await deps.passwords.hash(parsed.data.newPassword);
  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    await tx.users.setPassword(user.id, hash, now);
    await tx.sessions.revokeForUser(user.id, 'password', now, principal.sessionId);
    await recordChange(tx, actor, {
      projectId: null,
      action: 'auth.password',
      resource: { type: 'user', id: user.id },
      at: now,
    });
  });
}

function accountView(a: AccountRecord): Account {
  return { id: a.id, name: a.name, createdAt: iso(a.createdAt), updatedAt: iso(a.updatedAt) };
}

/** The account, if the principal is in it; `404 account_not_found` for any other. */
export async function requireOwnAccount(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  accountId: string,
): Promise<AccountRecord> {
  const account = accountId === principal.accountId ? await deps.store.accounts.get(accountId) : null;
  if (!account)
    throw new AppError('account_not_found', `No account ${accountId.slice(0, 100)}.`, { field: 'accountId' });
  return account;
}

/** `GET /v1/accounts`: the accounts the user is an active member of. */
export async function listMyAccounts(deps: AccountsDeps, principal: AdminPrincipal): Promise<Account[]> {
  const memberships = await deps.store.accounts.listForUser(principal.userId);
  return memberships.filter((m) => m.status === 'active').map((m) => accountView(m.account));
}

/** `GET /v1/accounts/:accountId`. */
export async function getAccount(deps: AccountsDeps, principal: AdminPrincipal, accountId: string): Promise<Account> {
  return accountView(await requireOwnAccount(deps, principal, accountId));
}

/** `PATCH /v1/accounts/:accountId` (`manage_settings`): rename the account. */
export async function updateAccount(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  accountId: string,
  body: unknown,
  actor: Actor,
): Promise<Account> {
  const account = await requireOwnAccount(deps, principal, accountId);
  authorize(principal, 'manage_settings');
  const parsed = updateAccountRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const now = deps.now();
  const updated = await deps.store.transaction(async (tx) => {
    const next = (await tx.accounts.update(account.id, parsed.data, now))!;
    await recordChange(tx, actor, {
      projectId: null,
      action: 'account.update',
      resource: { type: 'account', id: account.id },
      before: { name: account.name },
      after: { name: next.name },
      at: now,
    });
    return next;
  });
  return accountView(updated);
}
