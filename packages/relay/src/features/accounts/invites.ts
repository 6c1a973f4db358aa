import {
  acceptInviteRequestSchema,
  createInviteRequestSchema,
  type CreateInviteResponse,
  type Invite,
} from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { authorize, forbidden } from '../../domain/permissions.js';
import { toValidationError } from '../../domain/validation.js';
import type { AdminPrincipal } from '../../domain/principal.js';
import type { Actor } from '../../domain/actor.js';
import { newId, randomBase62, sha256Hex } from '../../crypto/tokens.js';
import type { InviteRecord, Page, PageRequest, Project } from '../../store/types.js';
import { recordChange } from '../audit/record-change.js';
import { queuedMessage, relayCaller, sealContent } from '../messages/queued-message.js';
import { resolveRecipient } from '../recipients/recipients.js';
import type { AccountsDeps } from './deps.js';
import { requireOwnAccount } from './me.js';
import { applyOverrides, checkProjectScope } from './members.js';
import { emailKeyOf, newMember, newUser } from './owners.js';
import { startSession, type ClientInfo, type SessionTokens } from './sessions.js';
import { anonymousActor } from './setup.js';
import { inviteView } from './views.js';

/** An invite link works for 7 days, once. */
export const INVITE_TTL_MS = 7 * 24 * 3600_000;
const INVITE_FORMAT = /^inv_[0-9A-Za-z]{43}$/;

/** The role rules of `members.ts` for a member-to-be: owners invite owners; nobody hands out more than they hold. */
function requireMayInvite(principal: AdminPrincipal, role: Invite['role'], grant: readonly string[]): void {
  if (role === 'owner' && principal.role !== 'owner')
    throw new AppError('forbidden', 'Only an owner invites an owner.');
  for (const p of grant) if (!principal.permissions.has(p as never)) throw forbidden(p as never);
}

/** The first project in scope with a connector that serves `email`: the invite goes out through it. */
async function emailProject(
  deps: AccountsDeps,
  accountId: string,
  projectIds: string[] | null,
): Promise<Project | null> {
  for (const project of await deps.store.projects.listForAccount(accountId, projectIds)) {
    if ((await deps.store.connectors.forChannel(project.id, 'email')).length > 0) return project;
  }
  return null;
}

/**
 * `POST /v1/accounts/:accountId/invites` (`manage_members`): a single-use link, answered once
 * (`url`) and stored as a hash. When a project in the invite's scope has an `email` connector, the
 * link is also sent through it, as a sensitive message (sealed at rest, blanked once sent, like a
 * verification code).
 */
export async function createInvite(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  accountId: string,
  body: unknown,
  actor: Actor,
): Promise<CreateInviteResponse> {
  const account = await requireOwnAccount(deps, principal, accountId);
  authorize(principal, 'manage_members');
  const parsed = createInviteRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  requireMayInvite(principal, input.role, input.grant ?? []);
  const overrides = applyOverrides(input.role, { granted: [], withdrawn: [] }, input);
  const scope =
    input.projectIds === undefined && principal.projectIds ? [...principal.projectIds] : (input.projectIds ?? null);
  const projectIds = await checkProjectScope(deps, principal, scope);
  const emailKey = emailKeyOf(input.email);
  const existing = await deps.store.users.findByEmailKey(emailKey);
  if (existing && (await deps.store.members.forUser(existing.id)).some((m) => m.accountId === account.id)) {
    throw new AppError('already_exists', 'This person is already a member of the account.', { field: 'email' });
  }
  const now = deps.now();
  const token = `inv_${randomBase62(43)}`;
  const invite: InviteRecord = {
    id: newId('inv'),
    accountId: account.id,
    email: input.email.trim(),
    emailKey,
    role: input.role,
    ...overrides,
    projectIds,
    invitedBy: principal.memberId,
    createdAt: now,
    expiresAt: now + INVITE_TTL_MS,
    acceptedAt: null,
    revokedAt: null,
  };
  const url = `${deps.baseUrl()}/invite?token=${token}`;
  const project = await emailProject(deps, account.id, projectIds);
  const delivery = await deps.store.transaction(async (tx) => {
    await tx.invites.revokeExpired(account.id, emailKey, now);
    if (!(await tx.invites.create(invite, sha256Hex(token)))) {
      throw new AppError('already_exists', 'This address already has a pending invite: revoke it first.', {
        field: 'email',
      });
    }
    let sent: CreateInviteResponse['delivery'] = null;
    if (project) {
      const message = inviteMessage(deps, principal, project, { to: invite.email, account: account.name, url }, now);
      await tx.messages.enqueue({ message, dueAt: now });
      sent = { messageId: message.id, projectId: project.id };
    }
    await recordChange(tx, actor, {
      projectId: null,
      action: 'invite.create',
      resource: { type: 'invite', id: invite.id },
      after: inviteView(invite, now),
      detail: { delivered: sent !== null },
      at: now,
    });
    return sent;
  });
  if (delivery) deps.onEnqueued?.();
  return { invite: inviteView(invite, now), url, delivery };
}

function inviteMessage(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  project: Project,
  content: { to: string; account: string; url: string },
  now: number,
) {
  const caller = relayCaller(project, principal.memberId, 'member');
  const message = queuedMessage({
    caller,
    channel: 'email',
    recipient: resolveRecipient('email', content.to, project, 'email'),
    template: 'invite',
    subject: `You are invited to ${content.account} on MessageJS`,
    body: `You are invited to join ${content.account} on MessageJS. Open this link within 7 days to accept (it works once):\n${content.url}`,
    html: null,
    sensitive: true,
    now,
  });
  return sealContent(message, deps.sealer);
}

/** `GET /v1/accounts/:accountId/invites` (`manage_members`): newest first, never their links. */
export async function listInvites(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  accountId: string,
  page: PageRequest,
): Promise<Page<InviteRecord>> {
  await requireOwnAccount(deps, principal, accountId);
  authorize(principal, 'manage_members');
  return deps.store.invites.page(accountId, page);
}

/** `DELETE /v1/accounts/:accountId/invites/:inviteId`: the link stops working. */
export async function revokeInvite(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  ids: { accountId: string; inviteId: string },
  actor: Actor,
): Promise<void> {
  await requireOwnAccount(deps, principal, ids.accountId);
  authorize(principal, 'manage_members');
  const invite = await deps.store.invites.get(ids.accountId, ids.inviteId);
  const now = deps.now();
  if (!invite || invite.acceptedAt !== null || invite.revokedAt !== null) {
    throw new AppError('invite_not_found', `No pending invite ${ids.inviteId.slice(0, 100)}.`, { field: 'inviteId' });
  }
  await deps.store.transaction(async (tx) => {
    await tx.invites.revoke(invite.id, now);
    await recordChange(tx, actor, {
      projectId: null,
      action: 'invite.revoke',
      resource: { type: 'invite', id: invite.id },
      before: inviteView(invite, now),
      at: now,
    });
  });
}

const unusable = () =>
  new AppError('unauthorized', 'Unknown or already used invite link: ask for a new invite.', { field: 'token' });

/**
 * `POST /v1/invites/accept`: joins the account with the link's token (single use) and signs in. A
 * new address becomes a user with this password; a user who already exists proves theirs.
 */
export async function acceptInvite(
  deps: AccountsDeps,
  body: unknown,
  client: ClientInfo & { requestId?: string },
): Promise<SessionTokens> {
  const parsed = acceptInviteRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  const invite = INVITE_FORMAT.test(input.token) ? await deps.store.invites.findByHash(sha256Hex(input.token)) : null;
  if (!invite || invite.acceptedAt !== null || invite.revokedAt !== null) throw unusable();
  const now = deps.now();
  if (invite.expiresAt <= now)
    throw new AppError('expired', 'This invite expired: ask for a new one.', { field: 'token' });
  const existing = await deps.store.users.findByEmailKey(invite.emailKey);
  if (existing && !(await deps.passwords.verify(input.password, existing.passwordHash))) {
    throw new AppError('invalid_credentials', 'This address already has an account: give its password to join.', {
      field: 'password',
    });
  }
  const passwordHash = existing ? null : await deps.passwords.hash(input.password);
  const stillThere = new Set((await deps.store.projects.listForAccount(invite.accountId)).map((p) => p.id));
  const member = await deps.store.transaction(async (tx) => {
    if (!(await tx.invites.accept(invite.id, now))) throw unusable();
    const user =
      existing ?? newUser({ email: invite.email, name: input.name ?? null, passwordHash: passwordHash! }, now);
    if (!existing) await tx.users.create(user);
    else if ((await tx.members.forUser(user.id)).some((m) => m.accountId === invite.accountId)) {
      throw new AppError('already_exists', 'You are already a member of this account.');
    }
    const created = newMember(
      {
        ...invite,
        userId: user.id,
        projectIds: invite.projectIds && invite.projectIds.filter((id) => stillThere.has(id)),
        invitedBy: invite.invitedBy,
      },
      now,
    );
    await tx.members.create(created);
    await recordChange(tx, anonymousActor(client), {
      projectId: null,
      accountId: invite.accountId,
      action: 'invite.accept',
      resource: { type: 'member', id: created.id },
      after: { inviteId: invite.id, userId: user.id, role: created.role },
      at: now,
    });
    return created;
  });
  return startSession(deps, member, client);
}
