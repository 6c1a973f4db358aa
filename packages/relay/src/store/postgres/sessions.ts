import type { SessionsRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createSessionsRepo(_db: PgDb): SessionsRepo {
  throw new Error('not yet on this branch');
}
