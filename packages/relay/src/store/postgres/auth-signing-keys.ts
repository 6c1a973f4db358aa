import type { AuthSigningKeysRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createAuthSigningKeysRepo(_db: PgDb): AuthSigningKeysRepo {
  throw new Error('not yet on this branch');
}
