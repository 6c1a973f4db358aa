import type { VerifyRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createVerifyRepo(_db: PgDb): VerifyRepo {
  throw new Error('not yet on this branch');
}
