import type { ProjectsRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createProjectsRepo(_db: PgDb): ProjectsRepo {
  throw new Error('not yet on this branch');
}
