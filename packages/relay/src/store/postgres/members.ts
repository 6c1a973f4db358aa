import type { MembersRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createMembersRepo(_db: PgDb): MembersRepo {
  throw new Error('not yet on this branch');
}
