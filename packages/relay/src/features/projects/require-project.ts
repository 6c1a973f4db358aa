import type { Project, Store } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';

/** The project, or `project_not_found` naming the `project` field. */
export async function requireProject(store: Store, id: string): Promise<Project> {
  const project = await store.projects.get(id);
  if (!project) throw new AppError('project_not_found', `No project ${id}.`, { field: 'project' });
  return project;
}
