import { registerRequestSchema, roles, type Role } from '@messagejs/shared-types';
import { z } from 'zod';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import type { Actor } from '../../domain/actor.js';
import type { Store } from '../../store/types.js';
import { recordChange } from '../audit/record-change.js';
import type { Passwords } from './passwords.js';
import { createAccountWithOwner, emailKeyOf, newMember, newUser } from './owners.js';

const inputSchema = z.strictObject({
  email: registerRequestSchema.shape.email,
  password: registerRequestSchema.shape.password,
  name: registerRequestSchema.shape.name,
  role: z.enum(roles),
  accountId: z.string().min(1).max(100).optional(),
});

/** What `users create` made. */
export interface CreatedUser {
  userId: string;
  memberId: string;
  accountId: string;
  email: string;
  role: Role;
}

/**
 * `messagejs-relay users create`: on a relay with no user, the first owner — exactly what the
 * setup link does, adopting the demo project and earlier ones; after that, a user who joins an
 * account (the `accountId` given, or the relay's only one) with a role. Runs locally as the CLI,
 * with no user signed in.
 */
export async function createUser(
  deps: { store: Store; passwords: Passwords; now: number; actor: Actor },
  input: z.input<typeof inputSchema>,
): Promise<CreatedUser> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { store, now, actor } = deps;
  const data = parsed.data;
  const passwordHash = await deps.passwords.hash(data.password);
  if ((await store.users.count()) === 0) {
    if (data.role !== 'owner') {
      throw new AppError('validation_failed', 'The first user of a relay is its owner: pass `--role owner`.', {
        field: 'role',
      });
    }
    const member = await store.transaction((tx) =>
      createAccountWithOwner(tx, { ...data, passwordHash }, { now, actor, adopt: true, action: 'auth.setup' }),
    );
    return {
      userId: member.userId,
      memberId: member.id,
      accountId: member.accountId,
      email: data.email,
      role: 'owner',
    };
  }
  const accountId = data.accountId ?? (await onlyAccount(store));
  if (!(await store.accounts.get(accountId))) {
    throw new AppError('account_not_found', `No account ${accountId}.`, { field: 'account' });
  }
  if (await store.users.findByEmailKey(emailKeyOf(data.email))) {
    throw new AppError('already_exists', 'A user with this email address already exists: invite them instead.', {
      field: 'email',
    });
  }
  const user = newUser({ ...data, passwordHash }, now);
  const member = newMember({ accountId, userId: user.id, role: data.role }, now);
  await store.transaction(async (tx) => {
    await tx.users.create(user);
    await tx.members.create(member);
    await recordChange(tx, actor, {
      projectId: null,
      accountId,
      action: 'member.create',
      resource: { type: 'member', id: member.id },
      after: { userId: user.id, email: user.email, role: member.role },
      at: now,
    });
  });
  return { userId: user.id, memberId: member.id, accountId, email: user.email, role: member.role };
}

async function onlyAccount(store: Store): Promise<string> {
  const accounts = await store.accounts.list(2);
  if (accounts.length !== 1) {
    throw new AppError('validation_failed', 'This relay has several accounts: name one with `--account acc_…`.', {
      field: 'account',
    });
  }
  return accounts[0]!.id;
}
