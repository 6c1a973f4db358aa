import type { AccountsRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createAccountsRepo(_db: PgDb): AccountsRepo {
  throw new Error('not yet on this branch');
}
