import type { KeysRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createKeysRepo(_db: PgDb): KeysRepo {
  throw new Error('not yet on this branch');
}
