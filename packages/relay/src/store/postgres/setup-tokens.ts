import type { SetupTokensRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createSetupTokensRepo(_db: PgDb): SetupTokensRepo {
  throw new Error('not yet on this branch');
}
