import {
  createPhoneMappingRequestSchema,
  phoneMappingsQuerySchema,
  updatePhoneMappingRequestSchema,
  type PhoneMapping,
} from '@messagejs/shared-types';
import type {
  Page,
  PageRequest,
  PhoneMappingPatch,
  PhoneMappingRecord,
  PhoneVerificationMethod,
  Project,
  Store,
} from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { isoTime } from '../../domain/iso-time.js';
import { maskAddress } from '../../domain/mask.js';
import { can, forbidden } from '../../domain/permissions.js';
import type { Principal } from '../../domain/principal.js';
import { toValidationError } from '../../domain/validation.js';
import { recordChange } from '../audit/record-change.js';
import { projectFor } from '../projects/require-project.js';
import { normaliseAddress } from '../recipients/opt-outs.js';
import type { InboundAdminDeps } from './inbound-settings.js';

/**
 * Phone mappings (the SMS Router, issue 15): a project's numbers of the developer's own users, so
 * that `inbound.received` says which user wrote (`userId`). Contact data: changing them needs
 * `manage_contacts`, reading them `manage_contacts` or `view_history` (as opt-outs). A mapping may
 * be marked verified by a person (`manual`) or because the number completed a verification in the
 * project (`verify`: a session approved for it), which routing then prefers.
 */

export function mappingView(m: PhoneMappingRecord): PhoneMapping {
  return {
    projectId: m.projectId,
    phone: m.phone,
    userId: m.userId,
    isPrimary: m.isPrimary,
    verified: m.verified,
    verificationMethod: m.verificationMethod,
    verifiedAt: m.verifiedAt === null ? null : isoTime(m.verifiedAt),
    createdAt: isoTime(m.createdAt),
    updatedAt: isoTime(m.updatedAt),
  };
}

/** The mapping as the audit log keeps it: its number masked, as recipients are. */
const audited = (m: PhoneMappingRecord) => ({ ...mappingView(m), phone: maskAddress(m.phone) });

const resourceOf = (m: Pick<PhoneMappingRecord, 'phone' | 'userId'>) => ({
  type: 'phone_mapping',
  id: `${maskAddress(m.phone)}/${m.userId.slice(0, 128)}`,
});

const notFound = () =>
  new AppError('phone_mapping_not_found', 'This number is not mapped to this user in this project.', {
    field: 'phone',
  });

/** The number as stored: E.164 (a national number with the project's default country). */
const phoneOf = (project: Project, phone: string) => normaliseAddress(phone, 'sms', project, 'phone');

/** The project, for reading mappings: `manage_contacts` or, failing that, `view_history`. */
async function readable(store: Store, projectId: string, principal: Principal): Promise<Project> {
  const project = await projectFor(store, projectId, null, principal);
  if (!can(principal, 'manage_contacts') && !can(principal, 'view_history')) throw forbidden('view_history');
  return project;
}

/**
 * When `method` is `verify`: the time a verification of `phone` was approved in the project (its
 * newest), else `422 phone_not_verified`. `manual` is taken on the caller's word.
 */
async function verifiedAt(store: Store, project: Project, phone: string, method: PhoneVerificationMethod, now: number) {
  if (method === 'manual') return now;
  const found = await store.verify.page(
    project.id,
    { statuses: ['approved'], to: { exact: phone }, now },
    { limit: 1 },
  );
  const session = found.items[0];
  if (!session) {
    throw new AppError(
      'phone_not_verified',
      'No verification of this number was approved in this project: verify it first (POST /v1/verify/send, then /check), or pass `"verification": "manual"`.',
      { field: 'verification' },
    );
  }
  return session.verifiedAt ?? session.updatedAt;
}

/** `GET /v1/projects/:projectId/phone-mappings`: by number, then user id; `?phone=` and `?userId=` filter. */
export async function pagePhoneMappings(
  deps: InboundAdminDeps,
  projectId: string,
  query: Record<string, string>,
  page: PageRequest,
  actor: Actor = systemActor,
): Promise<Page<PhoneMappingRecord>> {
  const project = await readable(deps.store, projectId, actor.principal);
  const parsed = phoneMappingsQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { phone, userId } = parsed.data;
  const filter = {
    ...(phone !== undefined && { phone: phoneOf(project, phone) }),
    ...(userId !== undefined && { userId }),
  };
  return deps.store.inbound.pageMappings(projectId, filter, page);
}

/** `POST …/phone-mappings`: `409 already_exists` when the number is already that user's. */
export async function createPhoneMapping(
  deps: InboundAdminDeps,
  projectId: string,
  body: unknown,
  actor: Actor = systemActor,
): Promise<PhoneMapping> {
  const project = await projectFor(deps.store, projectId, 'manage_contacts', actor.principal);
  const parsed = createPhoneMappingRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  const phone = phoneOf(project, input.phone);
  const now = deps.now();
  const method = input.verification ?? null;
  const mapping: PhoneMappingRecord = {
    projectId,
    phone,
    userId: input.userId,
    isPrimary: input.isPrimary,
    verified: method !== null,
    verificationMethod: method,
    verifiedAt: method === null ? null : await verifiedAt(deps.store, project, phone, method, now),
    createdAt: now,
    updatedAt: now,
  };
  await deps.store.transaction(async (tx) => {
    if (!(await tx.inbound.createMapping({ ...mapping, isPrimary: false }))) {
      throw new AppError('already_exists', 'This number is already mapped to this user.', { field: 'phone' });
    }
    if (mapping.isPrimary) await tx.inbound.setPrimary(projectId, phone, input.userId, true, now);
    await recordChange(tx, actor, {
      projectId,
      accountId: project.accountId,
      action: 'phone_mapping.create',
      resource: resourceOf(mapping),
      after: audited(mapping),
      at: now,
    });
  });
  return mappingView(mapping);
}

/** The mapping a route names, its project checked for `permission`. */
async function mappingFor(
  deps: InboundAdminDeps,
  ids: { projectId: string; phone: string; userId: string },
  actor: Actor,
): Promise<{ project: Project; mapping: PhoneMappingRecord }> {
  const project = await projectFor(deps.store, ids.projectId, 'manage_contacts', actor.principal);
  const mapping = await deps.store.inbound.getMapping(project.id, phoneOf(project, ids.phone), ids.userId);
  if (!mapping) throw notFound();
  return { project, mapping };
}

/** `PATCH …/phone-mappings/:phone/:userId`: primary or not, verified (`verify`, `manual`) or not (null). */
export async function updatePhoneMapping(
  deps: InboundAdminDeps,
  ids: { projectId: string; phone: string; userId: string },
  body: unknown,
  actor: Actor = systemActor,
): Promise<PhoneMapping> {
  const { project, mapping: before } = await mappingFor(deps, ids, actor);
  const parsed = updatePhoneMappingRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  const now = deps.now();
  const { phone, userId } = before;
  let patch: PhoneMappingPatch = {};
  if (input.verification === null) patch = { verified: false, verificationMethod: null, verifiedAt: null };
  else if (input.verification !== undefined) {
    const at = await verifiedAt(deps.store, project, phone, input.verification, now);
    patch = { verified: true, verificationMethod: input.verification, verifiedAt: at };
  }
  const after = await deps.store.transaction(async (tx) => {
    if (input.isPrimary !== undefined && input.isPrimary !== before.isPrimary) {
      await tx.inbound.setPrimary(project.id, phone, userId, input.isPrimary, now);
    }
    const changed = await tx.inbound.updateMapping(project.id, phone, userId, patch, now);
    if (!changed) throw notFound();
    await recordChange(tx, actor, {
      projectId: project.id,
      accountId: project.accountId,
      action: 'phone_mapping.update',
      resource: resourceOf(before),
      before: audited(before),
      after: audited(changed),
      at: now,
    });
    return changed;
  });
  return mappingView(after);
}

/** `DELETE …/phone-mappings/:phone/:userId`: answers the mapping as it was. */
export async function deletePhoneMapping(
  deps: InboundAdminDeps,
  ids: { projectId: string; phone: string; userId: string },
  actor: Actor = systemActor,
): Promise<PhoneMapping> {
  const { project, mapping } = await mappingFor(deps, ids, actor);
  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    if (!(await tx.inbound.removeMapping(project.id, mapping.phone, mapping.userId))) throw notFound();
    await recordChange(tx, actor, {
      projectId: project.id,
      accountId: project.accountId,
      action: 'phone_mapping.delete',
      resource: resourceOf(mapping),
      before: audited(mapping),
      at: now,
    });
  });
  return mappingView(mapping);
}
