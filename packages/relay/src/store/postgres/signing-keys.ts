import type { SigningKeysRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createSigningKeysRepo(_db: PgDb): SigningKeysRepo {
  throw new Error('not yet on this branch');
}
