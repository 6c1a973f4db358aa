import { loginRequestSchema } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import type { AccountsDeps } from './deps.js';
import { emailKeyOf } from './owners.js';
import { startSession, type ClientInfo, type SessionTokens } from './sessions.js';

/** The one answer to every failed sign-in: the same for an unknown address, a wrong password or no membership. */
function invalidCredentials(): AppError {
  return new AppError('invalid_credentials', 'Wrong email address or password.');
}

/**
 * `POST /v1/auth/login`: limits first (per address and per client), then the password —
 * checked against a dummy hash when the address is unknown, so both take as long — then an active
 * membership (the one named by `accountId`, else the oldest), then a new session.
 */
export async function login(
  deps: AccountsDeps,
  body: unknown,
  client: ClientInfo & { ip: string },
): Promise<SessionTokens> {
  const parsed = loginRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { email, password, accountId } = parsed.data;
  const emailKey = emailKeyOf(email);
  await deps.throttle.check(emailKey, client.ip);
  const user = await deps.store.users.findByEmailKey(emailKey);
  const ok = await deps.passwords.verify(password, user?.passwordHash ?? null);
  if (!user || !ok) {
    await deps.throttle.failed(emailKey, client.ip);
    throw invalidCredentials();
  }
  const members = (await deps.store.members.forUser(user.id)).filter((m) => m.status === 'active');
  const member = accountId === undefined ? members[0] : members.find((m) => m.accountId === accountId);
  if (!member) throw invalidCredentials();
  await deps.throttle.succeeded(emailKey);
  const now = deps.now();
  if (deps.passwords.needsRehash(user.passwordHash)) {
    await deps.store.users.setPassword(user.id, await deps.passwords.hash(password), user.passwordChangedAt);
  }
  await deps.store.users.touchLogin(user.id, now);
  return startSession(deps, member, client);
}
