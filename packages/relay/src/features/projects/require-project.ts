import type { Permission } from '@messagejs/shared-types';
import type { Project, Store } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { requirePermission, visibleProject } from '../../domain/permissions.js';
import { systemPrincipal, type Principal } from '../../domain/principal.js';

/** The project, or `project_not_found` naming the `project` field. */
export async function requireProject(store: Store, id: string): Promise<Project> {
  const project = await store.projects.get(id);
  if (!project) throw new AppError('project_not_found', `No project ${id.slice(0, 100)}.`, { field: 'project' });
  return project;
}

/**
 * The project `principal` acts on with `permission`, checked in the order 404 → 403: a project that
 * does not exist, or that the principal may not see (another account's, or outside its scope), is
 * `404 project_not_found`; then `403 forbidden` names the missing permission (`null`: reading
 * needs none beyond seeing the project). The CLI and the relay itself see every project and hold
 * every permission.
 */
export async function projectFor(
  store: Store,
  projectId: string,
  permission: Permission | null,
  principal: Principal = systemPrincipal,
): Promise<Project> {
  const project = await store.projects.get(projectId);
  if (!project || !visibleProject(principal, project)) {
    throw new AppError('project_not_found', `No project ${projectId.slice(0, 100)}.`, { field: 'project' });
  }
  if (permission) requirePermission(principal, permission);
  return project;
}

/**
 * The project `ref` names, by id or else by name (the CLI's `--project <id|name>`): `project_not_found`
 * when none has it, and `validation_failed` listing the ids when several projects share the name.
 */
export async function projectByIdOrName(store: Store, ref: string): Promise<Project> {
  const byId = await store.projects.get(ref);
  if (byId) return byId;
  const named = (await store.projects.list()).filter((p) => p.name === ref);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    throw new AppError(
      'validation_failed',
      `${named.length} projects are named ${ref}: pass one's id (${named.map((p) => p.id).join(', ')}).`,
      { field: 'project' },
    );
  }
  throw new AppError('project_not_found', `No project ${ref.slice(0, 100)}.`, { field: 'project' });
}
