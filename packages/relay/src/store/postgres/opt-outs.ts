import type { OptOutsRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createOptOutsRepo(_db: PgDb): OptOutsRepo {
  throw new Error('not yet on this branch');
}
