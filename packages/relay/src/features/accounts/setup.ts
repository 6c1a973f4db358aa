import { registerRequestSchema, setupRequestSchema } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { systemPrincipal } from '../../domain/principal.js';
import type { Actor } from '../../domain/actor.js';
import type { SetupTokenRecord } from '../../store/types.js';
import { randomBase62, sha256Hex } from '../../crypto/tokens.js';
import type { AccountsDeps } from './deps.js';
import { createAccountWithOwner } from './owners.js';
import { startSession, type ClientInfo, type SessionTokens } from './sessions.js';

/** A setup link works for 24 hours, once. */
export const SETUP_TOKEN_TTL_MS = 24 * 3600_000;
const SETUP_FORMAT = /^st_[0-9A-Za-z]{43}$/;

/** The audit actor of a change made by someone who is not signed in yet (set-up, sign-up, an invite accepted). */
export function anonymousActor(client: ClientInfo & { requestId?: string }): Actor {
  return {
    principal: systemPrincipal,
    ...(client.ip && { ip: client.ip }),
    ...(client.userAgent && { userAgent: client.userAgent.slice(0, 300) }),
    ...(client.requestId && { requestId: client.requestId }),
  };
}

/** A new setup token (`st_…`) and the record the store keeps of it (its hash only). */
function newSetupToken(now: number): { token: string; record: SetupTokenRecord } {
  const token = `st_${randomBase62(43)}`;
  return {
    token,
    record: { hash: sha256Hex(token), createdAt: now, expiresAt: now + SETUP_TOKEN_TTL_MS, usedAt: null },
  };
}

/**
 * While the relay has no user, a new one-time setup link (`/setup?token=st_…`), valid 24 hours;
 * every earlier link stops working. Null once a user exists. `start --new-setup-link` prints it.
 */
export async function mintSetupLink(deps: Pick<AccountsDeps, 'store' | 'now' | 'baseUrl'>): Promise<string | null> {
  if ((await deps.store.users.count()) > 0) return null;
  const { token, record } = newSetupToken(deps.now());
  await deps.store.setupTokens.replace(record);
  return `${deps.baseUrl()}/setup?token=${token}`;
}

/**
 * What `start` says about the first owner: null once a user exists; else the link printed at an
 * earlier start (or by a relay starting beside this one) while it still works — kept, not
 * replaced, so a restart does not break the link an operator was given; only its hash is stored,
 * so it is described (`kept`), not shown — or else a new link (`url`).
 */
export async function setupLinkAtStart(
  deps: Pick<AccountsDeps, 'store' | 'now' | 'baseUrl'>,
): Promise<{ url: string } | { kept: SetupTokenRecord } | null> {
  if ((await deps.store.users.count()) > 0) return null;
  const now = deps.now();
  const { token, record } = newSetupToken(now);
  const kept = await deps.store.setupTokens.replaceUnlessLive(record, now);
  return kept ? { kept } : { url: `${deps.baseUrl()}/setup?token=${token}` };
}

/**
 * `POST /v1/auth/setup`: the first owner, with the token of the setup link. Creates the
 * account, the user and the owner in one unit of work, which also adopts the demo project and any
 * earlier one, and uses the token up. `409 already_set_up` once any user exists, `401` for a token
 * the relay did not hand out (or one already used), `410 setup_token_expired` after 24 hours.
 */
export async function setUpFirstOwner(
  deps: AccountsDeps,
  body: unknown,
  client: ClientInfo & { requestId?: string },
): Promise<SessionTokens> {
  const parsed = setupRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  const alreadySetUp = () =>
    new AppError('already_set_up', 'This relay already has its first owner: sign in (POST /v1/auth/login).');
  if ((await deps.store.users.count()) > 0) throw alreadySetUp();
  const hash = SETUP_FORMAT.test(input.token) ? sha256Hex(input.token) : null;
  const token = hash && (await deps.store.setupTokens.find(hash));
  const unknown = () =>
    new AppError('unauthorized', 'Unknown setup token: use the link the relay printed at its last start.', {
      field: 'token',
    });
  if (!token || token.usedAt !== null) throw unknown();
  const now = deps.now();
  if (token.expiresAt <= now) {
    throw new AppError('setup_token_expired', 'This setup link expired (24 h): restart the relay for a new one.', {
      field: 'token',
    });
  }
  const passwordHash = await deps.passwords.hash(input.password);
  const member = await deps.store.transaction(async (tx) => {
    if ((await tx.users.count()) > 0) throw alreadySetUp();
    if (!(await tx.setupTokens.consume(token.hash, now))) throw unknown();
    return createAccountWithOwner(
      tx,
      { ...input, passwordHash },
      { now, actor: anonymousActor(client), adopt: true, action: 'auth.setup' },
    );
  });
  deps.logger.info({ accountId: member.accountId, memberId: member.id }, 'first owner set up');
  return startSession(deps, member, client);
}

/**
 * `POST /v1/auth/register`: with `MESSAGEJS_SIGNUP=open`, a new account and its owner; the
 * new account starts with no project. Otherwise `403 signup_disabled` (`invite` lets people in
 * through invites only, like `off`).
 */
export async function register(
  deps: AccountsDeps,
  body: unknown,
  client: ClientInfo & { requestId?: string },
): Promise<SessionTokens> {
  if (deps.signup !== 'open') {
    throw new AppError(
      'signup_disabled',
      'Sign-up is closed on this relay (MESSAGEJS_SIGNUP is not `open`): ask an owner for an invite.',
    );
  }
  const parsed = registerRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const passwordHash = await deps.passwords.hash(parsed.data.password);
  const now = deps.now();
  const member = await deps.store.transaction((tx) =>
    createAccountWithOwner(
      tx,
      { ...parsed.data, passwordHash },
      { now, actor: anonymousActor(client), adopt: false, action: 'auth.register' },
    ),
  );
  return startSession(deps, member, client);
}
