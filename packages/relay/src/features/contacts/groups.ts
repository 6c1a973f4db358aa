import {
  createGroupRequestSchema,
  groupMembersRequestSchema,
  updateGroupRequestSchema,
  type Group,
} from '@messagejs/shared-types';
import type { GroupRecord, Page, PageRequest, Project, Store } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { newId } from '../../crypto/tokens.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { recordChange } from '../audit/record-change.js';
import { projectFor } from '../projects/require-project.js';

/**
 * Groups of contacts (issue 16): create, rename, delete, list with counts, add and remove
 * contacts. Reading needs `view_history`, changing `manage_contacts`; changes are audited.
 */

const iso = (ms: number) => new Date(ms).toISOString();

export const groupView = (g: GroupRecord): Group => ({
  id: g.id,
  projectId: g.projectId,
  name: g.name,
  description: g.description,
  contacts: g.contacts,
  createdAt: iso(g.createdAt),
  updatedAt: iso(g.updatedAt),
});

const nameTaken = () => new AppError('already_exists', 'The project has a group of this name.', { field: 'name' });

async function existingGroup(store: Pick<Store, 'contacts'>, project: Project, id: string): Promise<GroupRecord> {
  const found = await store.contacts.getGroup(project.id, id);
  if (!found) throw new AppError('not_found', 'No such group in this project.', { field: 'groupId' });
  return found;
}

/** Writes `action`'s audit entry for group `id` in a unit of work, after `write`. */
async function audited<T>(
  store: Store,
  actor: Actor,
  project: Project,
  entry: { action: string; id: string; before?: Group; after?: Group; detail?: Record<string, unknown>; at: number },
  write: (tx: Parameters<Parameters<Store['transaction']>[0]>[0]) => Promise<T>,
): Promise<T> {
  return store.transaction(async (tx) => {
    const result = await write(tx);
    await recordChange(tx, actor, {
      projectId: project.id,
      accountId: project.accountId,
      action: entry.action,
      resource: { type: 'group', id: entry.id },
      ...(entry.before && { before: entry.before }),
      ...(entry.after && { after: entry.after }),
      ...(entry.detail && { detail: entry.detail }),
      at: entry.at,
    });
    return result;
  });
}

/** `POST …/groups`: 201 with the group; `409 already_exists` (`name`) when the project has one of that name. */
export async function createGroup(
  store: Store,
  projectId: string,
  body: unknown,
  now: number,
  actor: Actor = systemActor,
) {
  const project = await projectFor(store, projectId, 'manage_contacts', actor.principal);
  const parsed = createGroupRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const record = {
    id: newId('grp'),
    projectId: project.id,
    name: parsed.data.name,
    description: parsed.data.description ?? '',
    createdAt: now,
    updatedAt: now,
  };
  const view = groupView({ ...record, contacts: 0 });
  return audited(store, actor, project, { action: 'group.create', id: record.id, after: view, at: now }, async (tx) => {
    if ((await tx.contacts.createGroup(record)) === 'name_taken') throw nameTaken();
    return view;
  });
}

/** `GET …/groups/:groupId`. */
export async function getGroup(store: Store, ids: { projectId: string; groupId: string }, actor: Actor = systemActor) {
  const project = await projectFor(store, ids.projectId, 'view_history', actor.principal);
  return groupView(await existingGroup(store, project, ids.groupId));
}

/** `GET …/groups`: newest first, each with its count of contacts. */
export async function listGroups(
  store: Store,
  projectId: string,
  page: PageRequest,
  actor: Actor = systemActor,
): Promise<Page<Group>> {
  const project = await projectFor(store, projectId, 'view_history', actor.principal);
  const found = await store.contacts.pageGroups(project.id, page);
  return { items: found.items.map(groupView), next: found.next };
}

/** `PATCH …/groups/:groupId`: a new name or description. */
export async function updateGroup(
  store: Store,
  ids: { projectId: string; groupId: string },
  body: unknown,
  now: number,
  actor: Actor = systemActor,
) {
  const project = await projectFor(store, ids.projectId, 'manage_contacts', actor.principal);
  const parsed = updateGroupRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const before = await existingGroup(store, project, ids.groupId);
  const after = { ...before, ...parsed.data, updatedAt: now };
  const entry = { action: 'group.update', id: before.id, before: groupView(before), after: groupView(after), at: now };
  return audited(store, actor, project, entry, async (tx) => {
    if ((await tx.contacts.updateGroup(after)) === 'name_taken') throw nameTaken();
    return groupView(after);
  });
}

/** `DELETE …/groups/:groupId`: the group goes; its contacts stay. */
export async function deleteGroup(
  store: Store,
  ids: { projectId: string; groupId: string },
  now: number,
  actor: Actor = systemActor,
): Promise<void> {
  const project = await projectFor(store, ids.projectId, 'manage_contacts', actor.principal);
  const before = await existingGroup(store, project, ids.groupId);
  await audited(
    store,
    actor,
    project,
    { action: 'group.delete', id: before.id, before: groupView(before), at: now },
    (tx) => tx.contacts.removeGroup(project.id, before.id),
  );
}

/**
 * `POST|DELETE …/groups/:groupId/contacts`: adds (the project's contacts among the ids, not in it
 * yet) or removes contacts; answers how many changed and the group's count after.
 */
export async function changeMembers(
  store: Store,
  ids: { projectId: string; groupId: string },
  op: 'add' | 'remove',
  body: unknown,
  now: number,
  actor: Actor = systemActor,
): Promise<{ changed: number; contacts: number }> {
  const project = await projectFor(store, ids.projectId, 'manage_contacts', actor.principal);
  const parsed = groupMembersRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const group = await existingGroup(store, project, ids.groupId);
  const { contactIds } = parsed.data;
  const changed = await audited(
    store,
    actor,
    project,
    {
      action: `group.${op === 'add' ? 'add_contacts' : 'remove_contacts'}`,
      id: group.id,
      detail: { contactIds },
      at: now,
    },
    (tx) =>
      op === 'add' ? tx.contacts.addMembers(group, contactIds, now) : tx.contacts.removeMembers(group.id, contactIds),
  );
  const after = await existingGroup(store, project, group.id);
  return { changed, contacts: after.contacts };
}

/** Every group of the project, read a page at a time (an import maps names to ids, an export ids to names). */
export async function projectGroups(store: Pick<Store, 'contacts'>, projectId: string): Promise<GroupRecord[]> {
  const all: GroupRecord[] = [];
  let after;
  do {
    const page = await store.contacts.pageGroups(projectId, { limit: 500, ...(after && { after }) });
    all.push(...page.items);
    after = page.next;
  } while (after);
  return all;
}
