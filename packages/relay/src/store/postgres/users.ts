import type { UsersRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createUsersRepo(_db: PgDb): UsersRepo {
  throw new Error('not yet on this branch');
}
