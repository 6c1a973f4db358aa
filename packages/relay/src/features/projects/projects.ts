import { z } from 'zod';
import {
  createProjectRequestSchema,
  updateProjectRequestSchema,
  type Project as ProjectView,
} from '@messagejs/shared-types';
import type { Page, PageRequest, Project, Store } from '../../store/types.js';
import { defaultLimits, defaultNumberTypes } from '../../store/types.js';
import { newId } from '../../crypto/tokens.js';
import type { Sealer } from '../../crypto/sealer.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { forbidden, requirePermission } from '../../domain/permissions.js';
import { isAdminPrincipal, type Principal } from '../../domain/principal.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { recordChange } from '../audit/record-change.js';
import { ensureSigningKey } from '../verify/signing-keys.js';
import { projectFor } from './require-project.js';
import { projectView } from './views.js';

/**
 * Projects: create, list, read, update, delete. Shared by the CLI (the `cli` actor: every project,
 * no user) and the admin API (a member or an admin token: its account's projects, within its
 * scope). Every change is audited here, with the project before and after.
 */

/** What the CLI and the demo may also say: the owning account (the admin API takes the caller's). */
export const projectInputSchema = createProjectRequestSchema.extend({
  /** The owning account; left out, the relay's only account when it has exactly one (else none, until adopted). */
  accountId: z.string().min(1).max(100).nullable().optional(),
});

/** The account a new project goes to: the caller's for an admin credential (which must see every project). */
async function accountFor(store: Store, actor: Actor, requested: string | null | undefined): Promise<string | null> {
  const principal = actor.principal;
  if (isAdminPrincipal(principal)) {
    requirePermission(principal, 'manage_settings');
    if (principal.projectIds !== null) {
      throw new AppError('forbidden', 'A member limited to some projects cannot create projects.', {
        detail: { permission: 'manage_settings' },
      });
    }
    return principal.accountId;
  }
  if (principal.kind === 'key') throw forbidden('manage_settings');
  return requested === undefined ? onlyAccountId(store) : requested;
}

/**
 * Creates a project (country codes read in any case, origins normalised). With a `sealer`, the key
 * that signs its verification tokens is made with it, as the CLI, the API and the demo do; without
 * one, it is made on first use.
 */
export async function createProject(
  store: Store,
  input: z.input<typeof projectInputSchema>,
  now: number,
  actor: Actor = systemActor,
  sealer?: Sealer,
): Promise<Project> {
  return (await insertProject(store, input, now, actor, sealer, false))!;
}

/**
 * `createProject`, only while the store holds no project (the demo at first start): null, and
 * nothing written, when it has one. Relays starting together on one database create one.
 */
export function createFirstProject(
  store: Store,
  input: z.input<typeof projectInputSchema>,
  now: number,
  actor: Actor,
  sealer: Sealer,
): Promise<Project | null> {
  return insertProject(store, input, now, actor, sealer, true);
}

async function insertProject(
  store: Store,
  input: z.input<typeof projectInputSchema>,
  now: number,
  actor: Actor,
  sealer: Sealer | undefined,
  onlyFirst: boolean,
): Promise<Project | null> {
  const parsed = projectInputSchema.safeParse(input);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { accountId, ...fields } = parsed.data;
  const project: Project = {
    id: newId('prj'),
    name: fields.name,
    accountId: await accountFor(store, actor, accountId),
    allowedOrigins: [...new Set(fields.allowedOrigins ?? [])],
    allowedCountries: [...new Set(fields.allowedCountries ?? [])],
    defaultCountry: fields.defaultCountry ?? null,
    allowedNumberTypes: fields.allowedNumberTypes ?? [...defaultNumberTypes],
    development: fields.development ?? false,
    limits: { ...defaultLimits },
    prices: null,
    fallbacks: {},
    createdAt: now,
  };
  const created = await store.transaction(async (tx) => {
    if (onlyFirst) {
      if (!(await tx.projects.createFirst(project))) return false;
    } else await tx.projects.create(project);
    await recordChange(tx, actor, {
      projectId: project.id,
      accountId: project.accountId,
      action: 'project.create',
      resource: { type: 'project', id: project.id },
      after: projectView(project),
      at: now,
    });
    return true;
  });
  if (!created) return null;
  if (sealer) await ensureSigningKey(store, sealer, project.id, now);
  return project;
}

/** `POST /v1/projects`: the body as the API takes it (no `accountId`: the project is the caller's account's). */
export async function createProjectFromRequest(
  store: Store,
  sealer: Sealer,
  body: unknown,
  now: number,
  actor: Actor,
): Promise<Project> {
  await accountFor(store, actor, undefined);
  const parsed = createProjectRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  return createProject(store, parsed.data, now, actor, sealer);
}

/** The relay's account when it has exactly one: where projects made without naming one go (issue 12). */
async function onlyAccountId(store: Store): Promise<string | null> {
  const accounts = await store.accounts.list(2);
  return accounts.length === 1 ? accounts[0]!.id : null;
}

/** Every project, oldest first (the CLI and the relay itself). */
export function listProjects(store: Store): Promise<Project[]> {
  return store.projects.list();
}

/**
 * A page of the projects `principal` sees, newest first: an admin credential its account's (within
 * its scope); the CLI every project of the relay.
 */
export function pageProjects(store: Store, page: PageRequest, principal: Principal): Promise<Page<Project>> {
  if (isAdminPrincipal(principal)) {
    const projectIds = principal.projectIds && [...principal.projectIds];
    return store.projects.page({ accountId: principal.accountId, projectIds }, page);
  }
  return store.projects.page({ accountId: null }, page);
}

/** `GET /v1/projects/:projectId`: any member who sees the project. */
export async function getProject(store: Store, projectId: string, principal: Principal): Promise<ProjectView> {
  return projectView(await projectFor(store, projectId, null, principal));
}

/**
 * `PATCH /v1/projects/:projectId` (`manage_settings`): the name, development flag, origins,
 * countries and number types, in one audited change.
 */
export async function updateProject(
  store: Store,
  projectId: string,
  body: unknown,
  now: number,
  actor: Actor,
): Promise<ProjectView> {
  const project = await projectFor(store, projectId, 'manage_settings', actor.principal);
  const parsed = updateProjectRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const patch = parsed.data;
  const changes: Partial<Project> = {
    ...patch,
    ...(patch.allowedOrigins && { allowedOrigins: [...new Set(patch.allowedOrigins)] }),
    ...(patch.allowedCountries && { allowedCountries: [...new Set(patch.allowedCountries)] }),
    ...(patch.allowedNumberTypes && { allowedNumberTypes: [...new Set(patch.allowedNumberTypes)] }),
  };
  return store.transaction(async (tx) => {
    const updated = (await tx.projects.update(projectId, changes))!;
    await recordChange(tx, actor, {
      projectId,
      accountId: project.accountId,
      action: 'project.update',
      resource: { type: 'project', id: projectId },
      before: projectView(project),
      after: projectView(updated),
      at: now,
    });
    return projectView(updated);
  });
}

/**
 * `DELETE /v1/projects/:projectId?confirm=<projectId>` (`manage_settings`): the project and
 * everything it holds (keys, templates, connectors, messages, opt-outs, verification sessions).
 * Without `confirm` repeating the id: `400 confirmation_required`, and nothing is deleted. Members
 * limited to it keep their other projects; its audit entries stay.
 */
export async function deleteProject(
  store: Store,
  projectId: string,
  confirm: string | undefined,
  now: number,
  actor: Actor,
): Promise<void> {
  const project = await projectFor(store, projectId, 'manage_settings', actor.principal);
  if (confirm !== project.id) {
    throw new AppError(
      'confirmation_required',
      `Deleting a project deletes its keys, templates, connectors and messages: repeat its id as \`?confirm=${project.id}\`.`,
      { field: 'confirm' },
    );
  }
  await store.transaction(async (tx) => {
    await recordChange(tx, actor, {
      projectId,
      accountId: project.accountId,
      action: 'project.delete',
      resource: { type: 'project', id: projectId },
      before: projectView(project),
      at: now,
    });
    await tx.projects.remove(projectId);
  });
}
