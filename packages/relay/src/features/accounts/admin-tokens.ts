import { createAdminTokenRequestSchema, type AdminToken, type CreateAdminTokenResponse } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { can } from '../../domain/permissions.js';
import { toValidationError } from '../../domain/validation.js';
import type { AdminPrincipal } from '../../domain/principal.js';
import type { Actor } from '../../domain/actor.js';
import { newId, randomBase62, sha256Hex } from '../../crypto/tokens.js';
import type { AdminTokenRecord, Page, PageRequest } from '../../store/types.js';
import { recordChange } from '../audit/record-change.js';
import type { AccountsDeps } from './deps.js';
import { checkProjectScope } from './members.js';
import { adminTokenView } from './views.js';

/**
 * `POST /v1/admin-tokens`: a token for automation, made by a signed-in member (a token
 * cannot make tokens: 403). Its permissions must be the member's own (else 400 on
 * `permissions`), its projects ones the member sees (else 404); it may expire. The token is
 * answered once and stored as a SHA-256 and a prefix.
 */
export async function createAdminToken(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  body: unknown,
  actor: Actor,
): Promise<CreateAdminTokenResponse> {
  if (principal.kind !== 'member') {
    throw new AppError('forbidden', 'An admin token cannot make admin tokens: sign in to make one.');
  }
  const parsed = createAdminTokenRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  const beyond = input.permissions.find((p) => !principal.permissions.has(p));
  if (beyond) {
    throw new AppError(
      'validation_failed',
      `\`permissions\`: you do not hold \`${beyond}\`, so no token of yours can.`,
      {
        field: 'permissions',
      },
    );
  }
  const now = deps.now();
  const expiresAt = input.expiresAt === undefined ? null : Date.parse(input.expiresAt);
  if (expiresAt !== null && expiresAt <= now) {
    throw new AppError('validation_failed', '`expiresAt` must be in the future.', { field: 'expiresAt' });
  }
  const projectIds = await checkProjectScope(
    deps,
    principal,
    input.projectIds ?? (principal.projectIds ? [...principal.projectIds] : null),
  );
  const token = `mat_${randomBase62(43)}`;
  const record: AdminTokenRecord = {
    id: newId('atk'),
    accountId: principal.accountId,
    memberId: principal.memberId,
    name: input.name,
    prefix: token.slice(0, 12),
    permissions: [...new Set(input.permissions)],
    projectIds,
    createdAt: now,
    expiresAt,
    revokedAt: null,
    lastUsedAt: null,
  };
  await deps.store.transaction(async (tx) => {
    await tx.adminTokens.create(record, sha256Hex(token));
    await recordChange(tx, actor, {
      projectId: null,
      action: 'admin_token.create',
      resource: { type: 'admin_token', id: record.id },
      after: adminTokenView(record, now),
      at: now,
    });
  });
  return { token, adminToken: adminTokenView(record, now) };
}

/** Whether the principal sees every token of its account (`manage_members`) or its own member's only. */
const seesAll = (principal: AdminPrincipal) => can(principal, 'manage_members');

/** `GET /v1/admin-tokens`: the member's own tokens, or every token of the account with `manage_members`. */
export function listAdminTokens(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  page: PageRequest,
): Promise<Page<AdminTokenRecord>> {
  const filter = seesAll(principal) ? {} : { memberId: principal.memberId };
  return deps.store.adminTokens.page(principal.accountId, filter, page);
}

/** A token the principal may see; another member's (without `manage_members`) or account's is `404`. */
async function requireToken(deps: AccountsDeps, principal: AdminPrincipal, tokenId: string): Promise<AdminTokenRecord> {
  const token = await deps.store.adminTokens.get(principal.accountId, tokenId);
  if (!token || (!seesAll(principal) && token.memberId !== principal.memberId)) {
    throw new AppError('admin_token_not_found', `No admin token ${tokenId.slice(0, 100)}.`, { field: 'tokenId' });
  }
  return token;
}

/** `GET /v1/admin-tokens/:tokenId`. */
export async function getAdminToken(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  tokenId: string,
): Promise<AdminToken> {
  return adminTokenView(await requireToken(deps, principal, tokenId), deps.now());
}

/** `DELETE /v1/admin-tokens/:tokenId`: revoked at once; revoking a revoked token changes nothing. */
export async function revokeAdminToken(
  deps: AccountsDeps,
  principal: AdminPrincipal,
  tokenId: string,
  actor: Actor,
): Promise<AdminToken> {
  const token = await requireToken(deps, principal, tokenId);
  const now = deps.now();
  if (token.revokedAt !== null) return adminTokenView(token, now);
  await deps.store.transaction(async (tx) => {
    await tx.adminTokens.revoke(token.id, now);
    await recordChange(tx, actor, {
      projectId: null,
      action: 'admin_token.revoke',
      resource: { type: 'admin_token', id: token.id },
      before: adminTokenView(token, now),
      at: now,
    });
  });
  return adminTokenView({ ...token, revokedAt: now }, now);
}
