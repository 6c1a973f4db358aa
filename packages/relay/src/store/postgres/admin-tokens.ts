import type { AdminTokensRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createAdminTokensRepo(_db: PgDb): AdminTokensRepo {
  throw new Error('not yet on this branch');
}
